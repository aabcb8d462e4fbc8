-- one row per record one upload batch inserted or replaced (its natural key and, when replaced, the prior version)
with

changes as (
    select change_id, batch_id, table_name, record_key, old_row_json from batch_change
),

final as (
    select
        change_id,
        table_name,
        record_key,
        old_row_json,
        case when old_row_json is null then 1 else 0 end as is_inserted
    from changes
    where batch_id = :batch_id
)

select * from final
