-- one row per 不合格 sampling batch of unit_id's subtree dated in [from_date, to_date] (every task source) whose 核查处置状态 is not 已完成, with its unit and upload batch
-- The overview's "不合格样品未处置完毕" (dashboard.overview.undisposed_samples): the same rows as
-- sampling_batches.sql restricted to verdict <> 合格 and disposal_status <> 已完成 (or empty), so a
-- province's two million batches are filtered in the database, not in Python: the failed batches
-- come from the partial index ix_sampling_failed_date ("samplings cross join enterprises": SQLite
-- keeps that order; PostgreSQL plans it as a plain join). org_unit_closure is read by two import
-- CTEs, each used once: PostgreSQL materialises a CTE used twice and, blind to its size, chose a
-- nested loop over every batch (24 s at province scale instead of 0.7 s).
with

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

subtree as (
    select descendant_id as unit_id from org_unit_closure where ancestor_id = :unit_id
),

scope as (
    select descendant_id as unit_id from org_unit_closure where ancestor_id = :scope_unit_id
),

covered_units as (
    select t.unit_id from subtree as t join scope as s on s.unit_id = t.unit_id
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
    cross join enterprises as e  -- SQLite: the failed batches first, through the partial index
    join covered_units as cu on cu.unit_id = e.unit_id
    join org_units as u on u.unit_id = e.unit_id
    left join batches as b on b.batch_id = s.batch_id
    where e.credit_code = s.credit_code
        and s.sampling_date >= :from_date and s.sampling_date <= :to_date
        and s.verdict <> '合格'  -- never null: the index's own predicate, so the index serves
        and coalesce(s.disposal_status, '') <> '已完成'
)

select * from final
