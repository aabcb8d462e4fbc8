-- one row per report unit: counted sampling batches in the window and those 合格
-- Window [from_date, to_date] with to_date already clipped to as_of; 风险监测 batches are not
-- counted; batches count whatever the enterprise's status. A report unit with no batch has no
-- row (0 of 0). Same logic as the is_counted and is_passed columns of sampling_batches.sql (the
-- members of the figure).
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

covered_units as (
    select report.ancestor_id as report_unit_id, report.descendant_id as unit_id
    from closure as report
    join closure as scope
        on scope.descendant_id = report.descendant_id
        and scope.ancestor_id = :scope_unit_id
    where report.ancestor_id in :report_unit_ids
),

counts_by_enterprise as (
    -- the large table is reduced per enterprise before any join
    select
        credit_code,
        count(*) as count_samples,
        sum(case when verdict = '合格' then 1 else 0 end) as count_passed
    from samplings
    where sampling_date >= :from_date and sampling_date <= :to_date
        and task_source <> '风险监测'
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
        'samples_passed' as count_key,
        sum(c.count_passed) as numerator,
        sum(c.count_samples) as denominator
    from covered_units as cu
    join counts_by_own_unit as c on c.unit_id = cu.unit_id
    group by cu.report_unit_id
)

select * from final
