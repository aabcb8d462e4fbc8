-- one row per active enterprise of unit_id's subtree (inside the viewer's scope), with its flags
-- Each is_* flag says whether the enterprise is in the numerator of an enterprise-denominated
-- target; the extra columns explain why not (for the "still missing" lists). The logic is the same
-- as enterprise_target_counts_by_unit.sql; tests prove both agree (gaps = d - n).
-- to_date is the window end already clipped to as_of; from_month_date is the first day of
-- from_date's month.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

org_units as (
    select unit_id, code, name from org_unit
),

enterprises as (
    select credit_code, name, unit_id, is_large, status, cadre_name from enterprise
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
    select report.descendant_id as unit_id
    from closure as report
    join closure as scope
        on scope.descendant_id = report.descendant_id
        and scope.ancestor_id = :scope_unit_id
    where report.ancestor_id = :unit_id
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

latest_responsibilities as (
    select
        r.credit_code,
        r.month_date,
        case when r.has_principal then 1 else 0 end as has_principal,
        case when r.has_safety_director then 1 else 0 end as has_safety_director,
        case when r.has_safety_officer then 1 else 0 end as has_safety_officer,
        case when r.is_daily_control_done then 1 else 0 end as is_daily_control_done,
        case when r.is_weekly_check_done then 1 else 0 end as is_weekly_check_done,
        case when r.is_monthly_review_done then 1 else 0 end as is_monthly_review_done,
        case when r.has_daily_list then 1 else 0 end as has_daily_list,
        case when r.has_weekly_report then 1 else 0 end as has_weekly_report,
        case when r.has_monthly_record then 1 else 0 end as has_monthly_record,
        case when r.has_principal and r.has_safety_director and r.has_safety_officer
            and r.is_daily_control_done and r.is_weekly_check_done and r.is_monthly_review_done
            and r.has_daily_list and r.has_weekly_report and r.has_monthly_record
            then 1 else 0 end as is_all_done
    from responsibilities as r
    join latest_responsibility_months as latest
        on latest.credit_code = r.credit_code and latest.month_date = r.month_date
),

established_systems as (
    select
        credit_code,
        case when system_type in ('HACCP', 'ISO22000') then 'quality' else 'traceability' end
            as system_kind,
        case when valid_until_date is null or valid_until_date >= :as_of
            then 1 else 0 end as is_valid
    from management_systems
    where established_date <= :as_of
        and system_type in ('HACCP', 'ISO22000', '智能化追溯体系')
),

system_status as (
    select
        credit_code,
        max(case when system_kind = 'quality' then is_valid else 0 end) as is_quality_system_valid,
        max(case when system_kind = 'quality' then 1 - is_valid else 0 end)
            as is_quality_system_expired,
        max(case when system_kind = 'traceability' then is_valid else 0 end)
            as is_traceability_valid,
        max(case when system_kind = 'traceability' then 1 - is_valid else 0 end)
            as is_traceability_expired
    from established_systems
    group by credit_code
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

final as (
    select
        e.credit_code,
        e.name,
        u.code as unit_code,
        u.name as unit_name,
        e.cadre_name,
        case when e.is_large then 1 else 0 end as is_large,
        case when si.credit_code is null then 0 else 1 end as is_self_inspected,
        lr.month_date as responsibility_month_date,
        coalesce(lr.is_all_done, 0) as is_three_three_three,
        lr.has_principal,
        lr.has_safety_director,
        lr.has_safety_officer,
        lr.is_daily_control_done,
        lr.is_weekly_check_done,
        lr.is_monthly_review_done,
        lr.has_daily_list,
        lr.has_weekly_report,
        lr.has_monthly_record,
        coalesce(ss.is_quality_system_valid, 0) as is_quality_system_valid,
        coalesce(ss.is_quality_system_expired, 0) as is_quality_system_expired,
        coalesce(ss.is_traceability_valid, 0) as is_traceability_valid,
        coalesce(ss.is_traceability_expired, 0) as is_traceability_expired,
        case when e.is_large and ss.is_quality_system_valid = 1 and ss.is_traceability_valid = 1
            then 1 else 0 end as is_qms_traceable,
        case when se.credit_code is null then 0 else 1 end as is_supplier_evaluated,
        case when oe.credit_code is null then 0 else 1 end as is_officer_examined,
        case when sv.credit_code is null then 0 else 1 end as is_supervised
    from enterprises as e
    join covered_units as cu on cu.unit_id = e.unit_id
    join org_units as u on u.unit_id = e.unit_id
    left join self_inspected as si on si.credit_code = e.credit_code
    left join latest_responsibilities as lr on lr.credit_code = e.credit_code
    left join system_status as ss on ss.credit_code = e.credit_code
    left join supplier_evaluated as se on se.credit_code = e.credit_code
    left join officer_examined as oe on oe.credit_code = e.credit_code
    left join supervised as sv on sv.credit_code = e.credit_code
    where e.status = '在产'
)

select * from final
