-- one row per active enterprise of unit_id's subtree (the denominator of self_inspection), with is_numerator
-- and its latest 企业自查 row in [from_date, to_date], with both records' upload batches.
-- Same logic as enterprise_target_flags.sql; tests prove the counts equal the target engine's.
-- to_date is the window end already clipped to as_of.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

org_units as (
    select unit_id, code, name, sort_order from org_unit
),

enterprises as (
    select credit_code, name, unit_id, is_large, status, cadre_name, batch_id from enterprise
),

records as (
    select * from self_inspection
),

covered_units as (
    select report.descendant_id as unit_id
    from closure as report
    join closure as scope
        on scope.descendant_id = report.descendant_id
        and scope.ancestor_id = :scope_unit_id
    where report.ancestor_id = :unit_id
),

active_enterprises as (
    select e.credit_code, e.name, e.cadre_name, e.is_large, e.batch_id,
        u.code as unit_code, u.name as unit_name, u.sort_order as unit_order
    from enterprises as e
    join covered_units as cu on cu.unit_id = e.unit_id
    join org_units as u on u.unit_id = e.unit_id
    where e.status = '在产'
),

evidence as (
    -- the latest record of the window decides; its upload is the figure's provenance
    select
        credit_code,
        inspection_date as evidence_date,
        batch_id,
        '企业自查（发现问题 ' || count_problems || ' 个）' as evidence_label,
        row_number() over (partition by credit_code order by inspection_date desc) as rn
    from records
    where inspection_date >= :from_date and inspection_date <= :to_date
),

final as (
    select
        d.unit_code,
        d.unit_name,
        d.unit_order,
        d.credit_code,
        d.name,
        d.cadre_name,
        cast(null as varchar(100)) as member_label,
        case when ev.credit_code is null then 0 else 1 end as is_numerator,
        d.batch_id as member_batch_id,
        ev.evidence_label,
        ev.evidence_date,
        ev.batch_id as evidence_batch_id
    from active_enterprises as d
    left join evidence as ev on ev.credit_code = d.credit_code and ev.rn = 1
)

select * from final
