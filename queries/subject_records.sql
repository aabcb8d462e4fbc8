-- one row per record of record_kind (企业自查, 供应商评价, 食安员抽考, 包保督导, 监督检查, 检查清单) of unit_id's subtree dated in [record_from_date, record_to_date]
-- The records a coverage or count measure (dashboard.figures.measures) asks for when the
-- province-scale count queries do not answer its parameters; evidence_label names the record as
-- provenance shows it. Counted whatever the enterprise's status (the measure keeps its population).
-- A 检查清单 is one record per enterprise, checklist and day, named by record_name ('' for any).
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

org_units as (
    select unit_id, code, name, sort_order from org_unit
),

enterprises as (
    select credit_code, name, unit_id, cadre_name, subject_type, status from enterprise
),

records as (
    select credit_code, '企业自查' as record_kind, inspection_date as record_date,
        '企业自查（发现问题 ' || count_problems || ' 个）' as evidence_label, batch_id,
        '' as record_name
    from self_inspection
    union all
    select credit_code, '供应商评价', evaluation_date,
        '供应商检查评价（' || count_suppliers || ' 家）', batch_id, ''
    from supplier_evaluation
    union all
    select credit_code, '食安员抽考', exam_date, '食安员抽考：' || person_name || '（' || post || '）', batch_id, ''
    from officer_exam
    union all
    select credit_code, '包保督导', visit_date, '包保督导：' || cadre_name || '（' || cadre_level || '）', batch_id, ''
    from cadre_visit
    union all
    select credit_code, '监督检查', inspection_date, '监督检查：' || inspection_no || '（' || result || '）', batch_id, ''
    from inspection
    union all
    select credit_code, '检查清单', check_date, '检查清单：' || checklist, max(batch_id), checklist
    from checklist_item
    group by credit_code, checklist, check_date
),

covered_units as (
    select report.descendant_id as unit_id
    from closure as report
    join closure as scope
        on scope.descendant_id = report.descendant_id
        and scope.ancestor_id = :scope_unit_id
    where report.ancestor_id = :unit_id
),

final as (
    select
        e.credit_code,
        e.name,
        u.code as unit_code,
        u.name as unit_name,
        u.sort_order as unit_order,
        e.cadre_name,
        e.subject_type,
        e.status,
        r.record_kind,
        r.record_name,
        r.record_date,
        r.evidence_label,
        r.batch_id
    from records as r
    join enterprises as e on e.credit_code = r.credit_code
    join covered_units as cu on cu.unit_id = e.unit_id
    join org_units as u on u.unit_id = e.unit_id
    where r.record_kind = :record_kind
        and (r.record_name = cast(:record_name as varchar(100)) or cast(:record_name as varchar(100)) = '')
        and r.record_date >= :record_from_date and r.record_date <= :record_to_date
)

select * from final
