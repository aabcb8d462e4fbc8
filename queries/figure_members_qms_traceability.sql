-- one row per active 规上 enterprise of unit_id's subtree (the denominator of qms_traceability), with
-- is_numerator (a valid HACCP/ISO22000 and a valid 智能化追溯体系 on as_of) and the system rows' upload.
-- Same logic as enterprise_target_flags.sql; tests prove the counts equal the target engine's.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

org_units as (
    select unit_id, code, name, sort_order from org_unit
),

enterprises as (
    select credit_code, name, unit_id, is_large, status, cadre_name, batch_id from enterprise
),

management_systems as (
    select * from management_system
),

covered_units as (
    select report.descendant_id as unit_id
    from closure as report
    join closure as scope
        on scope.descendant_id = report.descendant_id
        and scope.ancestor_id = :scope_unit_id
    where report.ancestor_id = :unit_id
),

active_enterprises as (
    select e.credit_code, e.name, e.cadre_name, e.is_large, e.batch_id,
        u.code as unit_code, u.name as unit_name, u.sort_order as unit_order
    from enterprises as e
    join covered_units as cu on cu.unit_id = e.unit_id
    join org_units as u on u.unit_id = e.unit_id
    where e.status = '在产'
),

valid_systems as (
    select
        credit_code,
        case when system_type in ('HACCP', 'ISO22000') then 'quality' else 'traceability' end
            as system_kind,
        system_type,
        certificate_no,
        established_date,
        batch_id
    from management_systems
    where established_date <= :as_of
        and (valid_until_date is null or valid_until_date >= :as_of)
        and system_type in ('HACCP', 'ISO22000', '智能化追溯体系')
),

system_kinds as (
    select credit_code, count(distinct system_kind) as count_kinds
    from valid_systems
    group by credit_code
),

evidence as (
    -- the system established last completed the pair; its upload is shown
    select
        v.credit_code,
        v.established_date as evidence_date,
        v.batch_id,
        case when k.count_kinds = 2 then '质量管理体系与智能化追溯体系均有效（最近：' || v.system_type || '）'
            else '仅有：' || v.system_type end as evidence_label,
        case when k.count_kinds = 2 then 1 else 0 end as is_complete,
        row_number() over (partition by v.credit_code order by v.established_date desc,
            v.system_type) as rn
    from valid_systems as v
    join system_kinds as k on k.credit_code = v.credit_code
),

final as (
    select
        d.unit_code,
        d.unit_name,
        d.unit_order,
        d.credit_code,
        d.name,
        d.cadre_name,
        cast(null as varchar(100)) as member_label,
        coalesce(ev.is_complete, 0) as is_numerator,
        d.batch_id as member_batch_id,
        ev.evidence_label,
        ev.evidence_date,
        ev.batch_id as evidence_batch_id
    from active_enterprises as d
    left join evidence as ev on ev.credit_code = d.credit_code and ev.rn = 1
    where case when d.is_large then 1 else 0 end = 1
)

select * from final
