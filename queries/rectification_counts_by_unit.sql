-- one row per report unit: 监督检查 problems found since the campaign start and those rectified
-- Found from campaign_start_date to as_of; rectified = 已整改 with 整改完成日期 ≤ as_of (a
-- problem closed later is still open on as_of). Counted whatever the enterprise's status.
-- A report unit with no such problem has no row (0 of 0). Same logic as the is_counted and
-- is_rectified columns of problems_listed.sql (the members of the figure).
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

enterprises as not materialized (
    select credit_code, unit_id from enterprise
),

problems as not materialized (
    select credit_code, source, found_date, closed_date, review_result from problem
),

covered_units as (
    -- include: scope_covered_units_by_report_unit
),

counted_problems as not materialized (
    select
        p.credit_code,
        case when p.review_result = '已整改' and p.closed_date <= :as_of
            then 1 else 0 end as is_rectified
    from problems as p
    where p.source = '监督检查'
        and p.found_date >= :campaign_start_date and p.found_date <= :as_of
),

counts_by_own_unit as (
    -- a whole count (own_only 0) scans the problems; the report units' own count (own_only 1: their
    -- covered units are themselves) starts from their enterprises, found by unit, and reads their
    -- problems by credit code. One arm runs, the other's constant condition is false. The CTEs both
    -- arms read are not materialized: each arm plans them as tables (a materialized copy of every
    -- problem made SQLite's whole count 1.6x slower) and the whole count keeps its scan and join
    select e.unit_id, count(*) as count_problems, sum(p.is_rectified) as count_rectified
    from counted_problems as p
    join enterprises as e on e.credit_code = p.credit_code
    where :own_only = 0
    group by e.unit_id
    union all
    select e.unit_id, count(*), sum(p.is_rectified)
    from enterprises as e
    join counted_problems as p on p.credit_code = e.credit_code
    where :own_only = 1 and e.unit_id in :report_unit_ids
    group by e.unit_id
),

final as (
    select
        cu.report_unit_id as unit_id,
        'problems_rectified' as count_key,
        sum(c.count_rectified) as numerator,
        sum(c.count_problems) as denominator
    from covered_units as cu
    join counts_by_own_unit as c on c.unit_id = cu.unit_id
    group by cu.report_unit_id
)

select * from final
