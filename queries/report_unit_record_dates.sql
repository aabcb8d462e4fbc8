-- one row per report unit × date on which any record of its subtree is dated, in [from_date, to_date]
-- "A unit reported a month when it has any record dated in that month" (months are bucketed in
-- Python: no dialect date functions). 主体责任 rows are dated by their month's first day.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

enterprises as (
    select credit_code, unit_id from enterprise
),

self_inspections as (
    select credit_code, inspection_date as record_date from self_inspection
),

responsibilities as (
    select credit_code, month_date as record_date from responsibility
),

supplier_evaluations as (
    select credit_code, evaluation_date as record_date from supplier_evaluation
),

officer_exams as (
    select credit_code, exam_date as record_date from officer_exam
),

inspections as (
    select credit_code, inspection_date as record_date from inspection
),

problems as (
    select credit_code, found_date as record_date from problem
),

samplings as (
    select credit_code, sampling_date as record_date from sampling
),

cadre_visits as (
    select credit_code, visit_date as record_date from cadre_visit
),

enforcement_cases as (
    select credit_code, filed_date as record_date from enforcement_case
),

covered_units as (
    select report.ancestor_id as report_unit_id, report.descendant_id as unit_id
    from closure as report
    join closure as scope
        on scope.descendant_id = report.descendant_id
        and scope.ancestor_id = :scope_unit_id
    where report.ancestor_id in :report_unit_ids
),

record_dates as (
    select credit_code, record_date from self_inspections
    union select credit_code, record_date from responsibilities
    union select credit_code, record_date from supplier_evaluations
    union select credit_code, record_date from officer_exams
    union select credit_code, record_date from inspections
    union select credit_code, record_date from problems
    union select credit_code, record_date from samplings
    union select credit_code, record_date from cadre_visits
    union select credit_code, record_date from enforcement_cases
),

dates_by_own_unit as (
    select distinct e.unit_id, d.record_date
    from record_dates as d
    join enterprises as e on e.credit_code = d.credit_code
    where d.record_date >= :from_date and d.record_date <= :to_date
),

final as (
    select distinct cu.report_unit_id as unit_id, d.record_date
    from covered_units as cu
    join dates_by_own_unit as d on d.unit_id = cu.unit_id
)

select * from final
