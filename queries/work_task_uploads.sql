-- one row per committed upload batch that wrote 工作任务 rows for a unit in unit_id's subtree
-- A batch counts when a work_task row still points at it, or when its change log (batch_change, batch_insert) shows it
-- wrote one (a row replaced by a later upload keeps the earlier batch's date this way).
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

org_units as (
    select unit_id, code from org_unit
),

batches as (
    select batch_id, uploaded_at, status, unit_id from upload_batch
),

changes as (
    select batch_id from batch_change where table_name = 'work_task'
    union
    select batch_id from batch_insert where table_name = 'work_task'
),

task_batches as (
    select distinct unit_id, batch_id from work_task
),

writes as (
    select b.unit_id, b.batch_id
    from batches as b
    join changes as c on c.batch_id = b.batch_id
    union
    select unit_id, batch_id from task_batches
),

covered_units as (
    -- include: scope_covered_units
),

final as (
    select distinct u.code as unit_code, b.batch_id, b.uploaded_at
    from writes as w
    join batches as b on b.batch_id = w.batch_id
    join covered_units as cu on cu.unit_id = w.unit_id
    join org_units as u on u.unit_id = w.unit_id
    where b.status = 'committed'
)

select * from final
