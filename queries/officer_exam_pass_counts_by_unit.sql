-- one row per report unit: examined people and those whose latest exam up to as_of passed
-- A person is an enterprise + 姓名, counted whatever the enterprise's status. A report unit with
-- nobody examined has no row (0 of 0). Same person logic as officer_exams_latest.sql (the
-- members of the figure).
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

enterprises as (
    select credit_code, unit_id from enterprise
),

covered_units as (
    -- include: scope_covered_units_by_report_unit
),

officer_exams as (
    -- a whole count (own_only 0) scans every exam; the report units' own count (own_only 1: their
    -- covered units are themselves) reads only their enterprises' exams by credit code. One arm
    -- runs, the other's constant condition is false; the plain scan keeps its plan
    select credit_code, person_name, exam_date, is_passed from officer_exam where :own_only = 0
    union all
    select credit_code, person_name, exam_date, is_passed from officer_exam
    where :own_only = 1
        and credit_code in (select credit_code from enterprise where unit_id in :report_unit_ids)
),

latest_exams as (
    -- an exam counts when the same person has no later exam on or before as_of
    select x.credit_code, case when x.is_passed then 1 else 0 end as is_passed
    from officer_exams as x
    where x.exam_date <= :as_of
        and not exists (
            select 1 from officer_exam as later
            where later.credit_code = x.credit_code and later.person_name = x.person_name
                and later.exam_date > x.exam_date and later.exam_date <= :as_of)
),
counts_by_own_unit as (
    select e.unit_id, count(*) as count_examined, sum(x.is_passed) as count_passed
    from latest_exams as x
    join enterprises as e on e.credit_code = x.credit_code
    group by e.unit_id
),

final as (
    select
        cu.report_unit_id as unit_id,
        'exams_passed' as count_key,
        sum(c.count_passed) as numerator,
        sum(c.count_examined) as denominator
    from covered_units as cu
    join counts_by_own_unit as c on c.unit_id = cu.unit_id
    group by cu.report_unit_id
)

select * from final
