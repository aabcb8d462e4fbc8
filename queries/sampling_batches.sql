-- one row per sampling batch of unit_id's subtree dated in [from_date, to_date] (every task source), with its unit and upload batch
-- Also the members of sampling_pass (dashboard.gaps and dashboard.records): is_counted marks the
-- batches it counts (task source other than 风险监测, whatever the enterprise's status), is_passed
-- the 合格 ones. to_date is the window end already clipped to as_of. Same logic as
-- sampling_pass_counts_by_unit.sql; tests prove the counts agree.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

org_units as (
    select unit_id, code, name, sort_order from org_unit
),

enterprises as (
    select credit_code, name, unit_id, cadre_name from enterprise
),

samplings as (
    select * from sampling
),

batches as (
    select batch_id, file_name, uploader, uploaded_at from upload_batch
),

covered_units as (
    -- include: scope_covered_units
),

final as (
    select
        s.sample_no,
        e.credit_code,
        e.name,
        u.code as unit_code,
        u.name as unit_name,
        u.sort_order as unit_order,
        e.cadre_name,
        s.food_name,
        s.food_category,
        s.production_batch,
        s.sampling_date,
        s.task_source,
        s.hazard_classes,
        s.verdict,
        case when s.task_source <> '风险监测' then 1 else 0 end as is_counted,
        case when s.verdict = '合格' then 1 else 0 end as is_passed,
        s.failed_items,
        s.lab_name,
        s.disposal_status,
        s.batch_id,
        b.file_name,
        b.uploader,
        b.uploaded_at
    from samplings as s
    join enterprises as e on e.credit_code = s.credit_code
    join covered_units as cu on cu.unit_id = e.unit_id
    join org_units as u on u.unit_id = e.unit_id
    left join batches as b on b.batch_id = s.batch_id
    where s.sampling_date >= :from_date and s.sampling_date <= :to_date
)

select * from final
