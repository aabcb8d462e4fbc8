-- one row per record a committed upload batch replaced, of the dated sheets, whose enterprise is in the viewer's scope: the prior version it kept (JSON) and the enterprise's unit
-- The prior version names the batch that wrote it and its date, so a correction uploaded later
-- does not hide when a month's records first arrived. The enterprise comes from the natural key
-- (record_key, a JSON list written by dashboard.importer.load.record_key): a composite key starts
-- with the 18-character credit code, so it is characters 3-20 of the key; a record numbered on
-- its own (检查编号, 问题编号, 抽样单编号, 案件编号) is joined to the record as it stands, whose
-- key is rebuilt as JSON (quotes and backslashes escaped), so a correction that moved such a
-- record to another enterprise counts it where it is now.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

enterprises as (
    select credit_code, unit_id from enterprise
),

batches as (
    select batch_id, status from upload_batch
),

changes as (
    select batch_id, table_name, record_key, old_row_json from batch_change
),

inspections as (
    select 'inspection' as table_name, inspection_no as record_no, credit_code from inspection
),

problems as (
    select 'problem' as table_name, problem_no as record_no, credit_code from problem
),

samplings as (
    select 'sampling' as table_name, sample_no as record_no, credit_code from sampling
),

enforcement_cases as (
    select 'enforcement_case' as table_name, case_no as record_no, credit_code from enforcement_case
),

numbered_keys as (
    select
        table_name,
        '["' || replace(replace(record_no, '\', '\\'), '"', '\"') || '"]' as record_key,
        credit_code
    from (
        select * from inspections
        union all select * from problems
        union all select * from samplings
        union all select * from enforcement_cases
    ) as numbered
),

replaced as (
    select c.table_name, c.record_key, c.old_row_json
    from changes as c
    join batches as b on b.batch_id = c.batch_id
    where b.status = 'committed'
        and c.old_row_json is not null
),

keyed_by_code as (
    select table_name, old_row_json, substr(record_key, 3, 18) as credit_code
    from replaced
    where table_name in ('self_inspection', 'responsibility', 'supplier_evaluation',
        'officer_exam', 'cadre_visit')
),

keyed_by_number as (
    select r.table_name, r.old_row_json, k.credit_code
    from replaced as r
    join numbered_keys as k on k.table_name = r.table_name and k.record_key = r.record_key
),

in_scope as (
    select descendant_id as unit_id from closure where ancestor_id = :scope_unit_id
),

versions as (
    select * from keyed_by_code
    union all select * from keyed_by_number
),

final as (
    select v.table_name, v.old_row_json, e.unit_id
    from versions as v
    join enterprises as e on e.credit_code = v.credit_code
    join in_scope as s on s.unit_id = e.unit_id
)

select * from final
