-- one row per table one upload batch inserted records into: how many, and their natural keys as one JSON list
with

inserts as (
    select batch_id, table_name, count_records, record_keys from batch_insert
),

final as (
    select
        table_name,
        count_records,
        record_keys
    from inserts
    where batch_id = :batch_id
)

select * from final
