-- one row per 监督检查 problem of unit_id's subtree found from the campaign start to as_of (the
-- denominator of rectification), with is_numerator (已整改 with 整改完成日期 ≤ as_of) and its upload batch.
-- Same logic as rectification_counts_by_unit.sql; tests prove the counts are the engine's.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

org_units as (
    select unit_id, code, name, sort_order from org_unit
),

enterprises as (
    select credit_code, name, unit_id, cadre_name from enterprise
),

problems as (
    select * from problem
),

covered_units as (
    select report.descendant_id as unit_id
    from closure as report
    join closure as scope
        on scope.descendant_id = report.descendant_id
        and scope.ancestor_id = :scope_unit_id
    where report.ancestor_id = :unit_id
),

members as (
    select
        credit_code,
        problem_no || '：' || description as member_label,
        case when review_result = '已整改' and closed_date <= :as_of then 1 else 0 end
            as is_numerator,
        batch_id,
        coalesce(review_result, '未复查') as evidence_label,
        closed_date as evidence_date
    from problems
    where source = '监督检查'
        and found_date >= :campaign_start_date and found_date <= :as_of
),

final as (
    select
        u.code as unit_code,
        u.name as unit_name,
        u.sort_order as unit_order,
        e.credit_code,
        e.name,
        e.cadre_name,
        m.member_label,
        m.is_numerator,
        m.batch_id as member_batch_id,
        m.evidence_label,
        m.evidence_date,
        m.batch_id as evidence_batch_id
    from members as m
    join enterprises as e on e.credit_code = m.credit_code
    join covered_units as cu on cu.unit_id = e.unit_id
    join org_units as u on u.unit_id = e.unit_id
)

select * from final
