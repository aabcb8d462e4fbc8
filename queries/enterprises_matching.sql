-- one row per enterprise of unit_id's subtree (inside the viewer's scope) whose name or credit code contains pattern (any status)
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

org_units as (
    select unit_id, code, name from org_unit
),

enterprises as (
    select credit_code, name, unit_id, status, cadre_name from enterprise
),

final as (
    select
        e.credit_code,
        e.name,
        e.status,
        e.cadre_name,
        u.code as unit_code,
        u.name as unit_name
    from enterprises as e
    join closure as scope on scope.descendant_id = e.unit_id and scope.ancestor_id = :scope_unit_id
    join closure as report on report.descendant_id = e.unit_id and report.ancestor_id = :unit_id
    join org_units as u on u.unit_id = e.unit_id
    where lower(e.name) like lower(:pattern) or lower(e.credit_code) like lower(:pattern)
)

select * from final
