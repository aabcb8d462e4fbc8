-- one row per record a committed upload batch replaced: the prior version it kept (JSON), for the dated sheets
-- The prior version names the batch that wrote it and its date, so a correction uploaded later
-- does not hide when a month's records first arrived.
with

batches as (
    select batch_id, status from upload_batch
),

changes as (
    select batch_id, table_name, old_row_json from batch_change
),

final as (
    select c.table_name, c.old_row_json
    from changes as c
    join batches as b on b.batch_id = c.batch_id
    where b.status = 'committed'
        and c.old_row_json is not null
        and c.table_name in :table_names
)

select * from final
