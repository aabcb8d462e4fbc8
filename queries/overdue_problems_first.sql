-- one row per problem of unit_id's subtree past its 整改期限 and not rectified on as_of that is among the per_unit earliest 整改期限 of its enterprise's unit (every problem tied on the last date kept), with unit_total, how many its unit has in all
-- The overview's short list of overdue problems (dashboard.figures.targets.overdue_first): the same
-- problems and columns as overdue_problems.sql, but the database counts each unit's and ranks them
-- by 整改期限 only, so a province's 20,000 are not read into Python for a top 20. Ranked by the date
-- alone (rank, not row_number: ties on the last date all kept), Python orders by the date and then
-- 问题编号 as the whole list does: no collation of either database decides which rows are shown.
-- Each import CTE is used once (a CTE used twice is materialised whole by both databases).
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

org_units as (
    select unit_id, code, name from org_unit
),

enterprises as (
    select credit_code, unit_id from enterprise
),

shown_enterprises as (
    select credit_code, name, unit_id, cadre_name from enterprise
),

problems as (
    select problem_no, credit_code, found_date, deadline_date, closed_date, review_result from problem
),

shown_problems as (
    select problem_no, credit_code, source, description, found_date, deadline_date, closed_date,
        review_result
    from problem
),

covered_units as (
    -- include: scope_covered_units
),

overdue as (
    select p.problem_no, p.deadline_date, e.unit_id
    from problems as p
    join enterprises as e on e.credit_code = p.credit_code
    join covered_units as cu on cu.unit_id = e.unit_id
    where p.found_date <= :as_of
        and p.deadline_date < :as_of
        and not (coalesce(p.review_result, '') = '已整改'
            and p.closed_date is not null and p.closed_date <= :as_of)
),

ranked as (
    select
        problem_no,
        rank() over (partition by unit_id order by deadline_date) as date_rank,
        count(*) over (partition by unit_id) as unit_total
    from overdue
),

kept as (
    select problem_no, unit_total from ranked where date_rank <= :per_unit
),

final as (
    select
        p.problem_no,
        e.credit_code,
        e.name as enterprise_name,
        u.code as unit_code,
        u.name as unit_name,
        e.cadre_name,
        p.source,
        p.description,
        p.found_date,
        p.deadline_date,
        p.closed_date,
        p.review_result,
        k.unit_total
    from kept as k
    join shown_problems as p on p.problem_no = k.problem_no
    join shown_enterprises as e on e.credit_code = p.credit_code
    join org_units as u on u.unit_id = e.unit_id
)

select * from final
