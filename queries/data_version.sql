-- one row: the newest upload batch id, how many batches are committed and how many rolled back (a cache key)
with

batches as (
    select batch_id, status from upload_batch
),

final as (
    select
        coalesce(max(batch_id), 0) as max_batch_id,
        sum(case when status = 'committed' then 1 else 0 end) as count_committed,
        sum(case when status = 'committed' then 0 else 1 end) as count_other
    from batches
)

select * from final
