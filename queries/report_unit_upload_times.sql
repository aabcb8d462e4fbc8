-- one row per committed upload batch made for a report unit's subtree, uploaded in [from_time, to_time)
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

batches as (
    select batch_id, file_name, uploader, uploaded_at, status, unit_id from upload_batch
),

covered_units as (
    -- include: scope_covered_units_by_report_unit
),

final as (
    select cu.report_unit_id as unit_id, b.batch_id, b.file_name, b.uploader, b.uploaded_at
    from batches as b
    join covered_units as cu on cu.unit_id = b.unit_id
    where b.status = 'committed'
        and b.uploaded_at >= :from_time and b.uploaded_at < :to_time
)

select * from final
