-- one row per active enterprise (在产) of unit_id's subtree, with its 风险等级, 信用等级 and its 监督检查 from the campaign start to as_of
-- The active subjects the measures count without the enterprise flags query (coverage with record
-- filters, the candidates of a count, follow-ups), the members of a graded-frequency measure and the cells of the grade matrix
-- (dashboard.figures.measures, dashboard.figures.grading): count_inspections is the number of
-- 监督检查 dated from the campaign start to as_of; last_inspection_* name the latest of them (the
-- record that decides, for provenance). The required number per grade is the campaign file's.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

org_units as (
    select unit_id, code, name, sort_order from org_unit
),

enterprises as (
    select credit_code, name, unit_id, is_large, status, cadre_name, subject_type, risk_grade, credit_grade,
        batch_id
    from enterprise
),

inspections as (
    select credit_code, inspection_no, inspection_date, inspection_type, result, batch_id
    from inspection
    where inspection_date >= :campaign_start_date and inspection_date <= :as_of
),

covered_units as (
    -- include: scope_covered_units
),

counted as (
    select credit_code, count(*) as count_inspections from inspections group by credit_code
),

ranked as (
    select credit_code, inspection_no, inspection_date, inspection_type, result, batch_id,
        row_number() over (partition by credit_code order by inspection_date desc, inspection_no desc) as rank_no
    from inspections
),

final as (
    select
        e.credit_code,
        e.name,
        u.code as unit_code,
        u.name as unit_name,
        u.sort_order as unit_order,
        e.cadre_name,
        e.is_large,
        e.subject_type,
        e.risk_grade,
        e.credit_grade,
        coalesce(c.count_inspections, 0) as count_inspections,
        r.inspection_no as last_inspection_no,
        r.inspection_date as last_inspection_date,
        r.inspection_type as last_inspection_type,
        r.batch_id as last_inspection_batch_id,
        e.batch_id
    from enterprises as e
    join covered_units as cu on cu.unit_id = e.unit_id
    join org_units as u on u.unit_id = e.unit_id
    left join counted as c on c.credit_code = e.credit_code
    left join ranked as r on r.credit_code = e.credit_code and r.rank_no = 1
    where e.status = '在产'
)

select * from final
