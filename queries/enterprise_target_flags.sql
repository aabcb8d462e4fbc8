-- one row per active enterprise of unit_id's subtree (inside the viewer's scope), with its flags
-- The members of every enterprise-denominated target, defined once for the "still missing" lists
-- (dashboard.gaps) and the provenance of a figure (dashboard.records): each is_* flag says whether
-- the enterprise is in that target's numerator (is_large: in the denominator of qms_traceability);
-- the extra columns explain why not; <flag>_evidence_* (flag: the is_* name without is_) name the record that decided the flag
-- (label, date, upload batch) and batch_id the registry row's upload. The logic is the same as
-- enterprise_target_counts_by_unit.sql; tests prove both agree for every target and unit.
-- to_date is the window end already clipped to as_of; from_month_date is the first day of
-- from_date's month.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

org_units as (
    select unit_id, code, name, sort_order from org_unit
),

enterprises as (
    select credit_code, name, unit_id, is_large, status, cadre_name, subject_type, batch_id from enterprise
),

self_inspections as (
    select credit_code, inspection_date, count_problems, batch_id from self_inspection
),

responsibilities as (
    select * from responsibility
),

management_systems as (
    select credit_code, system_type, established_date, valid_until_date, batch_id
    from management_system
),

supplier_evaluations as (
    select credit_code, evaluation_date, count_suppliers, batch_id from supplier_evaluation
),

officer_exams as (
    select credit_code, person_name, post, exam_date, batch_id from officer_exam
),

cadre_visits as (
    select credit_code, visit_date, cadre_name, cadre_level, batch_id from cadre_visit
),

covered_units as (
    -- include: scope_covered_units
),

self_inspection_evidence as (
    -- the latest 企业自查 of the window decides
    select
        credit_code,
        '企业自查（发现问题 ' || count_problems || ' 个）' as evidence_label,
        inspection_date as evidence_date,
        batch_id,
        row_number() over (partition by credit_code order by inspection_date desc) as rn
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
    -- the latest 主体责任 month inside the window decides
    select
        r.credit_code,
        r.month_date,
        r.batch_id,
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
    -- established by as_of; valid when not yet expired (expiring on as_of still holds)
    select
        credit_code,
        system_type,
        established_date,
        batch_id,
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

qms_evidence as (
    -- the valid system established last (it completed the pair when both kinds are valid)
    select
        v.credit_code,
        case when s.is_quality_system_valid = 1 and s.is_traceability_valid = 1
            then '质量管理体系与智能化追溯体系均有效（最近：' || v.system_type || '）'
            else '仅有：' || v.system_type end as evidence_label,
        v.established_date as evidence_date,
        v.batch_id,
        row_number() over (partition by v.credit_code order by v.established_date desc,
            v.system_type) as rn
    from established_systems as v
    join system_status as s on s.credit_code = v.credit_code
    where v.is_valid = 1
),

supplier_evaluation_evidence as (
    -- the latest 供应商评价 from the campaign start decides
    select
        credit_code,
        '供应商检查评价（' || count_suppliers || ' 家）' as evidence_label,
        evaluation_date as evidence_date,
        batch_id,
        row_number() over (partition by credit_code order by evaluation_date desc) as rn
    from supplier_evaluations
    where evaluation_date >= :campaign_start_date and evaluation_date <= :as_of
),

officer_exam_evidence as (
    -- the latest 食安员抽考 from the campaign start decides
    select
        credit_code,
        '食安员抽考：' || person_name || '（' || post || '）' as evidence_label,
        exam_date as evidence_date,
        batch_id,
        row_number() over (partition by credit_code order by exam_date desc) as rn
    from officer_exams
    where exam_date >= :campaign_start_date and exam_date <= :as_of
),

supervision_evidence as (
    -- the latest 包保督导 visit from the campaign start decides
    select
        credit_code,
        '包保督导：' || cadre_name || '（' || cadre_level || '）' as evidence_label,
        visit_date as evidence_date,
        batch_id,
        row_number() over (partition by credit_code order by visit_date desc) as rn
    from cadre_visits
    where visit_date >= :campaign_start_date and visit_date <= :as_of
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
        e.batch_id,
        case when e.is_large then 1 else 0 end as is_large,
        case when si.credit_code is null then 0 else 1 end as is_self_inspected,
        si.evidence_label as self_inspected_evidence_label,
        si.evidence_date as self_inspected_evidence_date,
        si.batch_id as self_inspected_evidence_batch_id,
        lr.month_date as responsibility_month_date,
        coalesce(lr.is_all_done, 0) as is_three_three_three,
        case when lr.is_all_done = 1 then '主体责任月报：九项均落实'
            when lr.credit_code is not null then '主体责任月报：未全部落实'
            end as responsibility_done_evidence_label,
        lr.month_date as responsibility_done_evidence_date,
        lr.batch_id as responsibility_done_evidence_batch_id,
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
        qe.evidence_label as systems_held_evidence_label,
        qe.evidence_date as systems_held_evidence_date,
        qe.batch_id as systems_held_evidence_batch_id,
        case when se.credit_code is null then 0 else 1 end as is_suppliers_evaluated,
        se.evidence_label as suppliers_evaluated_evidence_label,
        se.evidence_date as suppliers_evaluated_evidence_date,
        se.batch_id as suppliers_evaluated_evidence_batch_id,
        case when oe.credit_code is null then 0 else 1 end as is_officers_examined,
        oe.evidence_label as officers_examined_evidence_label,
        oe.evidence_date as officers_examined_evidence_date,
        oe.batch_id as officers_examined_evidence_batch_id,
        case when sv.credit_code is null then 0 else 1 end as is_supervised,
        sv.evidence_label as supervised_evidence_label,
        sv.evidence_date as supervised_evidence_date,
        sv.batch_id as supervised_evidence_batch_id
    from enterprises as e
    join covered_units as cu on cu.unit_id = e.unit_id
    join org_units as u on u.unit_id = e.unit_id
    left join self_inspection_evidence as si on si.credit_code = e.credit_code and si.rn = 1
    left join latest_responsibilities as lr on lr.credit_code = e.credit_code
    left join system_status as ss on ss.credit_code = e.credit_code
    left join qms_evidence as qe on qe.credit_code = e.credit_code and qe.rn = 1
    left join supplier_evaluation_evidence as se on se.credit_code = e.credit_code and se.rn = 1
    left join officer_exam_evidence as oe on oe.credit_code = e.credit_code and oe.rn = 1
    left join supervision_evidence as sv on sv.credit_code = e.credit_code and sv.rn = 1
    where e.status = '在产'
)

select * from final
