-- one row per examined person (enterprise + 姓名) of unit_id's subtree, with the latest exam up to as_of
-- The members of officer_exam_pass (dashboard.gaps and dashboard.records): everyone examined
-- up to as_of, whatever the enterprise's status, is in the denominator; is_passed (the latest
-- exam decides, failed then passed = passed) puts them in the numerator. Same person logic as
-- officer_exam_pass_counts_by_unit.sql; tests prove the counts agree.
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

officer_exams as (
    select credit_code, person_name, post, exam_date, score, is_passed, batch_id from officer_exam
),

covered_units as (
    -- include: scope_covered_units
),

latest_exam_dates as (
    select credit_code, person_name, max(exam_date) as exam_date
    from officer_exams
    where exam_date <= :as_of
    group by credit_code, person_name
),

latest_exams as (
    select
        x.credit_code,
        x.person_name,
        x.post,
        x.exam_date,
        x.score,
        case when x.is_passed then 1 else 0 end as is_passed,
        x.batch_id
    from officer_exams as x
    join latest_exam_dates as latest
        on latest.credit_code = x.credit_code
        and latest.person_name = x.person_name
        and latest.exam_date = x.exam_date
),

final as (
    select
        e.credit_code,
        e.name,
        u.code as unit_code,
        u.name as unit_name,
        u.sort_order as unit_order,
        e.cadre_name,
        x.person_name,
        x.post,
        x.exam_date,
        x.score,
        x.is_passed,
        x.batch_id
    from latest_exams as x
    join enterprises as e on e.credit_code = x.credit_code
    join covered_units as cu on cu.unit_id = e.unit_id
    join org_units as u on u.unit_id = e.unit_id
)

select * from final
