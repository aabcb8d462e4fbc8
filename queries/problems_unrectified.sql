-- one row per 监督检查 problem of unit_id's subtree found since the campaign start and not rectified by as_of
-- Found from campaign_start_date to as_of; rectified = 已整改 with 整改完成日期 ≤ as_of.
-- Same logic as rectification_counts_by_unit.sql.
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
    select report.descendant_id as unit_id
    from closure as report
    join closure as scope
        on scope.descendant_id = report.descendant_id
        and scope.ancestor_id = :scope_unit_id
    where report.ancestor_id = :unit_id
),

unrectified_problems as (
    select *
    from problems
    where source = '监督检查'
        and found_date >= :campaign_start_date and found_date <= :as_of
        and not (coalesce(review_result, '') = '已整改'
            and closed_date is not null and closed_date <= :as_of)
),

final as (
    select
        p.problem_no,
        e.credit_code,
        e.name,
        u.code as unit_code,
        u.name as unit_name,
        e.cadre_name,
        p.description,
        p.found_date,
        p.deadline_date,
        p.closed_date,
        p.review_result
    from unrectified_problems as p
    join enterprises as e on e.credit_code = p.credit_code
    join covered_units as cu on cu.unit_id = e.unit_id
    join org_units as u on u.unit_id = e.unit_id
)

select * from final
