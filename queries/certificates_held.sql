-- one row per certificate (management_system) of unit_id's subtree established on or before as_of, with whether it is valid on as_of
-- The holdings a valid_certificate measure (dashboard.figures.measures) groups per enterprise:
-- valid when not yet expired (expiring on as_of still holds), as enterprise_target_flags.sql.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

enterprises as (
    select credit_code, unit_id from enterprise
),

management_systems as (
    select credit_code, system_type, established_date, valid_until_date, batch_id from management_system
),

covered_units as (
    -- include: scope_covered_units
),

final as (
    select
        m.credit_code,
        m.system_type,
        m.established_date,
        m.valid_until_date,
        case when m.valid_until_date is null or m.valid_until_date >= :as_of then 1 else 0 end as is_valid,
        m.batch_id
    from management_systems as m
    join enterprises as e on e.credit_code = m.credit_code
    join covered_units as cu on cu.unit_id = e.unit_id
    where m.established_date <= :as_of
)

select * from final
