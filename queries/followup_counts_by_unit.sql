-- one row per report unit: flagged active subjects with an inspection of inspection_types from their first flagging date to as_of (numerator), and the flagged active subjects (denominator)
-- The count of a follow-up measure (dashboard.figures.measures.Followup). A subject is flagged in
-- the window [from_date, to_date] (to_date already clipped to as_of) by a 不合格 监督抽检 batch whose
-- 任务来源 is not in exclude_sources (on its sampling day), or by its complaints-th problem of
-- complaint_sources found in the window (on that problem's day); the earlier of the two is its
-- first flagging date. The subjects are the active ones of the population
-- (queries/_fragments/population_subjects.sql) in each report unit's subtree inside the viewer's
-- scope. Same logic as Followup.members over sampling_cases.sql,
-- problems_listed.sql, subject_records.sql and enterprise_grades.sql (the members: gap lists and
-- provenance); tests prove both agree. A report unit with no flagged subject has no row (0 of 0).
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

subjects as (
    -- include: population_subjects
),

failed_samplings as (
    -- verdict <> '合格' first, so the partial index of the failed batches serves the date range
    select credit_code, sampling_date
    from sampling
    where verdict <> '合格' and verdict = '不合格'
        and sampling_date >= :from_date and sampling_date <= :to_date
        and task_source not in :exclude_sources
),

complaints as (
    select
        credit_code,
        found_date,
        row_number() over (partition by credit_code order by found_date, problem_no) as rank_no
    from problem
    where source in :complaint_sources
        and found_date >= :from_date and found_date <= :to_date
),

flaggings as (
    select credit_code, sampling_date as flagged_date from failed_samplings
    union all
    select credit_code, found_date from complaints where rank_no = :complaints
),

first_flaggings as (
    select credit_code, min(flagged_date) as flagged_date from flaggings group by credit_code
),

covered_units as (
    -- include: scope_covered_units_by_report_unit
),

flagged_subjects as (
    select
        s.unit_id,
        case when exists (
                select 1 from inspection as i
                where i.credit_code = f.credit_code
                    and i.inspection_type in :inspection_types
                    and i.inspection_date >= f.flagged_date and i.inspection_date <= :as_of)
            then 1 else 0 end as is_followed
    from first_flaggings as f
    join subjects as s on s.credit_code = f.credit_code
),

counts_by_own_unit as (
    select unit_id, count(*) as count_flagged, sum(is_followed) as count_followed
    from flagged_subjects
    group by unit_id
),

final as (
    select
        cu.report_unit_id as unit_id,
        'followed_up' as count_key,
        sum(c.count_followed) as numerator,
        sum(c.count_flagged) as denominator
    from covered_units as cu
    join counts_by_own_unit as c on c.unit_id = cu.unit_id
    group by cu.report_unit_id
)

select * from final
