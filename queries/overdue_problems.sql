-- one row per problem of unit_id's subtree (any source) past its 整改期限 and not rectified on as_of
-- Overdue: found on or before as_of, 整改期限 < as_of, and not (已整改 with 整改完成日期 ≤ as_of).
-- days_overdue is computed in Python (no dialect date arithmetic here).
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

org_units as (
    select unit_id, code, name from org_unit
),

enterprises as (
    select credit_code, name, unit_id, cadre_name from enterprise
),

problems as (
    select problem_no, credit_code, source, description, found_date, deadline_date, closed_date,
        review_result
    from problem
),

covered_units as (
    -- include: scope_covered_units
),

overdue as (
    select *
    from problems
    where found_date <= :as_of
        and deadline_date < :as_of
        and not (coalesce(review_result, '') = '已整改'
            and closed_date is not null and closed_date <= :as_of)
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
        p.review_result
    from overdue as p
    join enterprises as e on e.credit_code = p.credit_code
    join covered_units as cu on cu.unit_id = e.unit_id
    join org_units as u on u.unit_id = e.unit_id
)

select * from final
