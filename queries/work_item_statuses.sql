-- one row per work item of campaign_code whose status the office recorded (work_item_status)
-- The campaign's own work items are county work: any viewer inside the campaign's tree sees their
-- status, so the scope is the campaign's root lying above the viewer's unit.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

campaigns as (
    select code, root_unit_id from campaign
),

statuses as (
    select campaign_code, item_code, status, done_date, note, updated_at, updated_by
    from work_item_status
),

visible_campaigns as (
    select c.code
    from campaigns as c
    join closure as scope
        on scope.ancestor_id = c.root_unit_id
        and scope.descendant_id = :scope_unit_id
    where c.code = :campaign_code
),

final as (
    select
        s.item_code,
        s.status,
        s.done_date,
        s.note,
        s.updated_at,
        s.updated_by
    from statuses as s
    join visible_campaigns as v on v.code = s.campaign_code
)

select * from final
