-- one row: the file an upload batch was made from (name and bytes as uploaded)
with

batches as (
    select batch_id, file_name, file_bytes from upload_batch
),

final as (
    select file_name, file_bytes from batches where batch_id = :batch_id
)

select * from final
