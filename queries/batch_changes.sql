-- one row per record one upload batch replaced: its natural key and its prior version (the records it inserted are batch_inserts)
with

changes as (
    select change_id, batch_id, table_name, record_key, old_row_json from batch_change
),

final as (
    select
        change_id,
        table_name,
        record_key,
        old_row_json
    from changes
    where batch_id = :batch_id
)

select * from final
