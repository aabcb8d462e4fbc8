-- one row per enterprise of a unit's subtree that the viewer may see (the rows a template is prefilled with)
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

org_units as (
    select unit_id, code, name, sort_order from org_unit
),

enterprises as (
    select
        credit_code, name, unit_id, license_no, is_large, risk_grade, credit_grade,
        product_category, cadre_name, status, address
    from enterprise
),

in_scope as (
    -- include: scope_covered_units
),

final as (
    select
        e.credit_code,
        e.name,
        e.unit_id,
        u.code as unit_code,
        u.name as unit_name,
        u.sort_order as unit_sort_order,
        e.license_no,
        case when e.is_large then 1 else 0 end as is_large,
        e.risk_grade,
        e.credit_grade,
        e.product_category,
        e.cadre_name,
        e.status,
        e.address
    from enterprises as e
    join in_scope as s on s.unit_id = e.unit_id
    join org_units as u on u.unit_id = e.unit_id
)

select * from final
