-- one row per active enterprise of unit_id's subtree (the denominator of three_three_three), with is_numerator
-- and its latest 主体责任 row whose month is inside the window, with both records' upload batches.
-- Same logic as enterprise_target_flags.sql; tests prove the counts equal the target engine's.
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

responsibilities as (
    select * from responsibility
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
    -- the latest 主体责任 month inside the window decides
    select
        credit_code,
        month_date as evidence_date,
        batch_id,
        case when has_principal and has_safety_director and has_safety_officer
            and is_daily_control_done and is_weekly_check_done and is_monthly_review_done
            and has_daily_list and has_weekly_report and has_monthly_record
            then 1 else 0 end as is_all_done,
        case when has_principal and has_safety_director and has_safety_officer
            and is_daily_control_done and is_weekly_check_done and is_monthly_review_done
            and has_daily_list and has_weekly_report and has_monthly_record
            then '主体责任月报：九项均落实' else '主体责任月报：未全部落实' end as evidence_label,
        row_number() over (partition by credit_code order by month_date desc) as rn
    from responsibilities
    where month_date >= :from_month_date and month_date <= :to_date
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
        coalesce(ev.is_all_done, 0) as is_numerator,
        d.batch_id as member_batch_id,
        ev.evidence_label,
        ev.evidence_date,
        ev.batch_id as evidence_batch_id
    from active_enterprises as d
    left join evidence as ev on ev.credit_code = d.credit_code and ev.rn = 1
)

select * from final
