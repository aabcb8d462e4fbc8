-- one row per upload batch that replaced enterprise credit_code's registry row (inside the viewer's scope): the row it replaced and the batch's status
-- The 一户一档 grade history (dashboard.figures.records.grade_history): record_key is the registry
-- row's natural key as batch_change stores it (a JSON list holding the credit code).
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

enterprises as (
    select credit_code, unit_id from enterprise
),

changes as (
    select change_id, batch_id, table_name, record_key, old_row_json from batch_change
),

batches as (
    select batch_id, status from upload_batch
),

in_scope as (
    select e.credit_code
    from enterprises as e
    join closure as scope on scope.descendant_id = e.unit_id and scope.ancestor_id = :scope_unit_id
    where e.credit_code = :credit_code
),

final as (
    select
        c.change_id,
        c.batch_id,
        b.status as batch_status,
        c.old_row_json
    from changes as c
    cross join in_scope as s
    join batches as b on b.batch_id = c.batch_id
    where c.table_name = 'enterprise' and c.record_key = :record_key
)

select * from final
