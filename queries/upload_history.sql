-- one row per upload batch of the viewer's scope (committed or rolled back), with its unit and change counts
-- A batch without a unit (no records in it) is shown to a viewer of the whole tree only.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

batches as (
    select
        batch_id, file_name, sha256, uploader, uploaded_at, status, rows_json, unit_id,
        rolled_back_at, rolled_back_by
    from upload_batch
),

org_units as (
    select unit_id, code, name from org_unit
),

replaced as (
    select batch_id, count(*) as count_replaced from batch_change group by batch_id
),

inserted as (
    select batch_id, sum(count_records) as count_inserted from batch_insert group by batch_id
),

in_scope as (
    select descendant_id as unit_id from closure where ancestor_id = :scope_unit_id
),

final as (
    select
        b.batch_id,
        b.file_name,
        b.sha256,
        b.uploader,
        b.uploaded_at,
        b.status,
        b.rows_json,
        b.rolled_back_at,
        b.rolled_back_by,
        u.code as unit_code,
        u.name as unit_name,
        coalesce(i.count_inserted, 0) as count_inserted,
        coalesce(r.count_replaced, 0) as count_replaced
    from batches as b
    left join in_scope as s on s.unit_id = b.unit_id
    left join org_units as u on u.unit_id = b.unit_id
    left join inserted as i on i.batch_id = b.batch_id
    left join replaced as r on r.batch_id = b.batch_id
    where s.unit_id is not null or (b.unit_id is null and :include_unassigned = 1)
)

select * from final
