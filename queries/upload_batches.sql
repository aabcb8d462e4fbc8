-- one row per upload batch (committed or rolled back), with the org unit it was uploaded for
with

batches as (
    select batch_id, file_name, uploader, uploaded_at, status, unit_id from upload_batch
),

org_units as (
    select unit_id, code, name from org_unit
),

final as (
    select
        b.batch_id,
        b.file_name,
        b.uploader,
        b.uploaded_at,
        b.status,
        u.code as unit_code,
        u.name as unit_name
    from batches as b
    left join org_units as u on u.unit_id = b.unit_id
)

select * from final
