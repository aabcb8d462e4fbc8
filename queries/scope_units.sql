-- one row per org unit the viewer may see (the scope_unit_id subtree, itself included)
with

closure as (
    select ancestor_id, descendant_id, distance from org_unit_closure
),

org_units as (
    select unit_id, code, name, parent_id, depth, sort_order from org_unit
),

final as (
    select u.unit_id, u.code, u.name, u.parent_id, u.depth, u.sort_order
    from org_units as u
    join closure as scope on scope.descendant_id = u.unit_id
    where scope.ancestor_id = :scope_unit_id
)

select * from final
