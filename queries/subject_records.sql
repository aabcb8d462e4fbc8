-- one row per record of record_kind (企业自查, 供应商评价, 食安员抽考, 包保督导, 监督检查, 检查清单, 风险排查, 监督抽检) of unit_id's subtree dated in [record_from_date, record_to_date]
-- The records a coverage or count measure (dashboard.figures.measures) asks for when the
-- province-scale count queries do not answer its parameters; evidence_label names the record as
-- provenance shows it. Counted whatever the enterprise's status (the measure keeps its population).
-- A 检查清单 is one record per enterprise, checklist and day, named by record_name ('' for any).
-- record_source is what a measure may select or exclude: the 检查类型 of a 监督检查, the 任务来源
-- of a 监督抽检 ('' for the others); has_plan 1 for a 风险排查 that left a 一企一策 plan.
-- Each arm of the union tests its own kind, so only the asked kind's table is read (SQLite would
-- otherwise materialise the whole union: every record table of a province, labels and all).
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
        '' as record_name, '' as record_source, 0 as has_plan
    from self_inspection
    where :record_kind = '企业自查'
    union all
    select credit_code, '供应商评价', evaluation_date,
        '供应商检查评价（' || count_suppliers || ' 家）', batch_id, '', '', 0
    from supplier_evaluation
    where :record_kind = '供应商评价'
    union all
    select credit_code, '食安员抽考', exam_date, '食安员抽考：' || person_name || '（' || post || '）', batch_id,
        '', '', 0
    from officer_exam
    where :record_kind = '食安员抽考'
    union all
    select credit_code, '包保督导', visit_date, '包保督导：' || cadre_name || '（' || cadre_level || '）', batch_id,
        '', '', 0
    from cadre_visit
    where :record_kind = '包保督导'
    union all
    select credit_code, '监督检查', inspection_date,
        '监督检查：' || inspection_no || '（' || result || '）', batch_id,
        '', inspection_type, 0
    from inspection
    where :record_kind = '监督检查'
    union all
    select credit_code, '检查清单', check_date, '检查清单：' || checklist, max(batch_id), checklist, '', 0
    from checklist_item
    where :record_kind = '检查清单'
    group by credit_code, checklist, check_date
    union all
    select credit_code, '风险排查', screening_date,
        '风险排查：隐患 ' || count_hazards || ' 项（' || case when has_plan then '已制定' else '未制定' end
            || '一企一策方案）', batch_id,
        '', '', case when has_plan then 1 else 0 end
    from risk_screening
    where :record_kind = '风险排查'
    union all
    select credit_code, '监督抽检', sampling_date,
        '监督抽检：' || sample_no || '（' || food_name || '，' || task_source || '，' || verdict || '）', batch_id,
        '', task_source, 0
    from sampling
    where :record_kind = '监督抽检'
),

covered_units as (
    -- include: scope_covered_units
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
        r.record_source,
        r.has_plan,
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
