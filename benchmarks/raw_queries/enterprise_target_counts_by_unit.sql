-- one row per report unit × enterprise-denominated target: numerator and denominator
-- Counts active enterprises of each report unit's subtree (inside the viewer's scope) for
-- self_inspection, three_three_three, qms_traceability, supplier_evaluation,
-- officer_exam_coverage and supervision_coverage. The per-enterprise logic is the same as in
-- enterprise_target_flags.sql (the members: gap lists and provenance); tests prove both agree.
-- A report unit with no active enterprise has no row (Python reads that as 0 of 0).
-- to_date is the window end already clipped to as_of; from_month_date is the first day of
-- from_date's month (a month is inside the window when any of its days is).
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

enterprises as (
    select credit_code, unit_id, is_large, status from enterprise
),

self_inspections as (
    select credit_code, inspection_date from self_inspection
),

responsibilities as (
    select * from responsibility
),

management_systems as (
    select credit_code, system_type, established_date, valid_until_date from management_system
),

supplier_evaluations as (
    select credit_code, evaluation_date from supplier_evaluation
),

officer_exams as (
    select credit_code, exam_date from officer_exam
),

cadre_visits as (
    select credit_code, visit_date from cadre_visit
),

covered_units as (
    -- report unit → every unit of its subtree that the viewer may see
    select report.ancestor_id as report_unit_id, report.descendant_id as unit_id
    from closure as report
    join closure as scope
        on scope.descendant_id = report.descendant_id
        and scope.ancestor_id = :scope_unit_id
    where report.ancestor_id in :report_unit_ids
),

self_inspected as (
    select distinct credit_code
    from self_inspections
    where inspection_date >= :from_date and inspection_date <= :to_date
),

latest_responsibility_months as (
    select credit_code, max(month_date) as month_date
    from responsibilities
    where month_date >= :from_month_date and month_date <= :to_date
    group by credit_code
),

three_three_three_done as (
    select r.credit_code
    from responsibilities as r
    join latest_responsibility_months as latest
        on latest.credit_code = r.credit_code and latest.month_date = r.month_date
    where r.has_principal and r.has_safety_director and r.has_safety_officer
        and r.is_daily_control_done and r.is_weekly_check_done and r.is_monthly_review_done
        and r.has_daily_list and r.has_weekly_report and r.has_monthly_record
),

valid_systems as (
    -- held on as_of: established by then and not yet expired (expiring on as_of still holds)
    select credit_code, system_type
    from management_systems
    where established_date <= :as_of
        and (valid_until_date is null or valid_until_date >= :as_of)
),

quality_system_holders as (
    select distinct credit_code from valid_systems where system_type in ('HACCP', 'ISO22000')
),

traceability_holders as (
    select distinct credit_code from valid_systems where system_type = '智能化追溯体系'
),

supplier_evaluated as (
    select distinct credit_code
    from supplier_evaluations
    where evaluation_date >= :campaign_start_date and evaluation_date <= :as_of
),

officer_examined as (
    select distinct credit_code
    from officer_exams
    where exam_date >= :campaign_start_date and exam_date <= :as_of
),

supervised as (
    select distinct credit_code
    from cadre_visits
    where visit_date >= :campaign_start_date and visit_date <= :as_of
),

active_enterprise_flags as (
    select
        e.credit_code,
        e.unit_id,
        case when e.is_large then 1 else 0 end as is_large,
        case when si.credit_code is null then 0 else 1 end as is_self_inspected,
        case when ttt.credit_code is null then 0 else 1 end as is_three_three_three,
        case when e.is_large and qs.credit_code is not null and tr.credit_code is not null
            then 1 else 0 end as is_qms_traceable,
        case when se.credit_code is null then 0 else 1 end as is_supplier_evaluated,
        case when oe.credit_code is null then 0 else 1 end as is_officer_examined,
        case when sv.credit_code is null then 0 else 1 end as is_supervised
    from enterprises as e
    left join self_inspected as si on si.credit_code = e.credit_code
    left join three_three_three_done as ttt on ttt.credit_code = e.credit_code
    left join quality_system_holders as qs on qs.credit_code = e.credit_code
    left join traceability_holders as tr on tr.credit_code = e.credit_code
    left join supplier_evaluated as se on se.credit_code = e.credit_code
    left join officer_examined as oe on oe.credit_code = e.credit_code
    left join supervised as sv on sv.credit_code = e.credit_code
    where e.status = '在产'
),

counts_by_own_unit as (
    -- aggregate per enterprise unit first, so the roll-up joins units, not enterprises
    select
        unit_id,
        count(*) as count_active,
        sum(is_large) as count_large_active,
        sum(is_self_inspected) as count_self_inspected,
        sum(is_three_three_three) as count_three_three_three,
        sum(is_qms_traceable) as count_qms_traceable,
        sum(is_supplier_evaluated) as count_supplier_evaluated,
        sum(is_officer_examined) as count_officer_examined,
        sum(is_supervised) as count_supervised
    from active_enterprise_flags
    group by unit_id
),

counts_by_report_unit as (
    select
        cu.report_unit_id as unit_id,
        sum(c.count_active) as count_active,
        sum(c.count_large_active) as count_large_active,
        sum(c.count_self_inspected) as count_self_inspected,
        sum(c.count_three_three_three) as count_three_three_three,
        sum(c.count_qms_traceable) as count_qms_traceable,
        sum(c.count_supplier_evaluated) as count_supplier_evaluated,
        sum(c.count_officer_examined) as count_officer_examined,
        sum(c.count_supervised) as count_supervised
    from covered_units as cu
    join counts_by_own_unit as c on c.unit_id = cu.unit_id
    group by cu.report_unit_id
),

final as (
    select unit_id, 'self_inspected' as count_key,
        count_self_inspected as numerator, count_active as denominator
    from counts_by_report_unit
    union all
    select unit_id, 'responsibility_done', count_three_three_three, count_active
    from counts_by_report_unit
    union all
    select unit_id, 'systems_held', count_qms_traceable, count_large_active
    from counts_by_report_unit
    union all
    select unit_id, 'suppliers_evaluated', count_supplier_evaluated, count_active
    from counts_by_report_unit
    union all
    select unit_id, 'officers_examined', count_officer_examined, count_active
    from counts_by_report_unit
    union all
    select unit_id, 'supervised', count_supervised, count_active
    from counts_by_report_unit
)

select * from final
