-- one row per dated sheet × enterprise unit × record date × upload batch: the records as they stand, in the viewer's scope
-- A record is dated by its sheet's date column (主体责任 by its month's first day); months are
-- bucketed in Python, dates are bound from Python.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

enterprises as (
    select credit_code, unit_id from enterprise
),

self_inspections as (
    select 'self_inspection' as table_name, credit_code, inspection_date as record_date, batch_id
    from self_inspection
),

responsibilities as (
    select 'responsibility' as table_name, credit_code, month_date as record_date, batch_id
    from responsibility
),

supplier_evaluations as (
    select 'supplier_evaluation' as table_name, credit_code, evaluation_date as record_date, batch_id
    from supplier_evaluation
),

officer_exams as (
    select 'officer_exam' as table_name, credit_code, exam_date as record_date, batch_id
    from officer_exam
),

inspections as (
    select 'inspection' as table_name, credit_code, inspection_date as record_date, batch_id
    from inspection
),

problems as (
    select 'problem' as table_name, credit_code, found_date as record_date, batch_id
    from problem
),

samplings as (
    select 'sampling' as table_name, credit_code, sampling_date as record_date, batch_id
    from sampling
),

cadre_visits as (
    select 'cadre_visit' as table_name, credit_code, visit_date as record_date, batch_id
    from cadre_visit
),

enforcement_cases as (
    select 'enforcement_case' as table_name, credit_code, filed_date as record_date, batch_id
    from enforcement_case
),

records as (
    select * from self_inspections
    union all select * from responsibilities
    union all select * from supplier_evaluations
    union all select * from officer_exams
    union all select * from inspections
    union all select * from problems
    union all select * from samplings
    union all select * from cadre_visits
    union all select * from enforcement_cases
),

in_scope as (
    select descendant_id as unit_id from closure where ancestor_id = :scope_unit_id
),

final as (
    select r.table_name, e.unit_id, r.record_date, r.batch_id, count(*) as count_records
    from records as r
    join enterprises as e on e.credit_code = r.credit_code
    join in_scope as s on s.unit_id = e.unit_id
    where r.record_date >= :from_date and r.record_date <= :to_date
    group by r.table_name, e.unit_id, r.record_date, r.batch_id
)

select * from final
