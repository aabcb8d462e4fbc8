-- one row per 工作任务 row of a unit in unit_id's subtree that the viewer may see
-- Each row belongs to the unit that uploaded it; its batch's upload time comes along.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

org_units as (
    select unit_id, code, name from org_unit
),

tasks as (
    select work_task_id, unit_id, task_no, content, owner_name, due_date, status, done_date, evidence,
        batch_id
    from work_task
),

batches as (
    select batch_id, uploaded_at from upload_batch
),

covered_units as (
    -- include: scope_covered_units
),

final as (
    select
        t.work_task_id,
        u.code as unit_code,
        u.name as unit_name,
        t.task_no,
        t.content,
        t.owner_name,
        t.due_date,
        t.status,
        t.done_date,
        t.evidence,
        t.batch_id,
        b.uploaded_at
    from tasks as t
    join covered_units as cu on cu.unit_id = t.unit_id
    join org_units as u on u.unit_id = t.unit_id
    join batches as b on b.batch_id = t.batch_id
)

select * from final
