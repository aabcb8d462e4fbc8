-- one row per org unit in the subtree of any of report_unit_ids (themselves included): its parent and depth
-- dashboard.figures.stored builds an invalidated unit from its own count and its children's rows,
-- deepest units first.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

units as (
    select unit_id, parent_id, depth from org_unit
),

subtree_units as (
    select distinct descendant_id as unit_id from closure where ancestor_id in :report_unit_ids
),

final as (
    select u.unit_id, u.parent_id, u.depth
    from subtree_units as s
    join units as u on u.unit_id = s.unit_id
)

select * from final
