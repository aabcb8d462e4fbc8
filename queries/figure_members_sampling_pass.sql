-- one row per counted sampling batch of unit_id's subtree in [from_date, to_date], 风险监测 excluded
-- (the denominator of sampling_pass), with is_numerator (合格) and its upload batch.
-- Same logic as sampling_pass_counts_by_unit.sql; tests prove the counts are the engine's.
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

samplings as (
    select * from sampling
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
        sample_no || '：' || food_name as member_label,
        case when verdict = '合格' then 1 else 0 end as is_numerator,
        batch_id,
        verdict || coalesce('：' || failed_items, '') as evidence_label,
        sampling_date as evidence_date
    from samplings
    where sampling_date >= :from_date and sampling_date <= :to_date
        and task_source <> '风险监测'
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
