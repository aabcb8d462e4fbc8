-- one row per report unit: counted sampling batches in the window and those 合格
-- Window [from_date, to_date] with to_date already clipped to as_of; 风险监测 batches are not
-- counted; batches count whatever the enterprise's status. A report unit with no batch has no
-- row (0 of 0). Same logic as the is_counted and is_passed columns of sampling_batches.sql (the
-- members of the figure).
-- Grain of the reads: month rollup + raw edges. The months wholly inside the window come from
-- rollup_sampling_month (one row per enterprise × month, kept by the importer in the same
-- transaction as the records); only the partial months at the window's edges are read from the raw
-- sampling rows: the head from from_date up to the first whole month with data, the tail from the
-- month after the last whole month with data up to to_date. With no whole month inside the window
-- the head is from_date up to (not including) to_date and the tail is to_date itself. Month
-- boundaries are stored in the rollup (computed in Python), so SQL does no date arithmetic.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

enterprises as (
    select credit_code, unit_id from enterprise
),

samplings as (
    select credit_code, sampling_date, task_source, verdict from sampling
),

sampling_months as (
    select credit_code, month_date, month_end_date, next_month_date, count_counted, count_passed
    from rollup_sampling_month
),

covered_units as (
    select report.ancestor_id as report_unit_id, report.descendant_id as unit_id
    from closure as report
    join closure as scope
        on scope.descendant_id = report.descendant_id
        and scope.ancestor_id = :scope_unit_id
    where report.ancestor_id in :report_unit_ids
),

whole_months as (
    select credit_code, month_date, next_month_date, count_counted, count_passed
    from sampling_months
    where month_date >= :from_date and month_end_date <= :to_date
),

edges as (
    -- head_end: first whole month with data; tail_start: the day after the last one
    select min(month_date) as head_end, max(next_month_date) as tail_start from whole_months
),

edge_samplings as (
    -- samplings is read once, so SQLite inlines it and searches the date index for each range
    select credit_code, verdict
    from samplings
    where task_source <> '风险监测'
        and ((sampling_date >= :from_date
                and sampling_date < coalesce((select head_end from edges), :to_date))
            or (sampling_date >= coalesce((select tail_start from edges), :to_date)
                and sampling_date <= :to_date))
),

counts_by_enterprise as (
    -- the large table is reduced per enterprise before any join
    select credit_code, sum(count_samples) as count_samples, sum(count_passed) as count_passed
    from (
        select credit_code, count_counted as count_samples, count_passed
        from whole_months
        union all
        select credit_code, 1 as count_samples,
            case when verdict = '合格' then 1 else 0 end as count_passed
        from edge_samplings
    ) as parts
    group by credit_code
),

counts_by_own_unit as (
    select e.unit_id, sum(c.count_samples) as count_samples, sum(c.count_passed) as count_passed
    from counts_by_enterprise as c
    join enterprises as e on e.credit_code = c.credit_code
    group by e.unit_id
),

final as (
    select
        cu.report_unit_id as unit_id,
        'sampling_pass' as target_code,
        sum(c.count_passed) as numerator,
        sum(c.count_samples) as denominator
    from covered_units as cu
    join counts_by_own_unit as c on c.unit_id = cu.unit_id
    group by cu.report_unit_id
)

select * from final
