-- one row per report unit: sampling_pass numerator (counted and 合格) and denominator (counted)
-- Reads rollup_sampling_unit_day (one row per org unit × sampling day, kept by the importer, see
-- dashboard/rollups.py): counted means 任务来源 other than 风险监测. A window's figure is the sum
-- over its days, exact at any edge; units roll up the closure table within the viewer's scope.
-- to_date is the window end already clipped to as_of. Batches count whatever the enterprise's
-- status. A report unit without samples has no row (0 of 0). Same logic as the is_counted and
-- is_passed columns of sampling_batches.sql (the members of the figure); tests prove both agree.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

sampling_days as (
    select unit_id, sampling_date, count_counted, count_passed from rollup_sampling_unit_day
),

covered_units as (
    -- include: scope_covered_units_by_report_unit
),

counts_by_own_unit as (
    select unit_id, sum(count_counted) as count_samples, sum(count_passed) as count_passed
    from sampling_days
    where sampling_date >= :from_date and sampling_date <= :to_date
        -- the report units' own count (own_only 1: their covered units are themselves)
        and (:own_only = 0 or unit_id in :report_unit_ids)
    group by unit_id
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
