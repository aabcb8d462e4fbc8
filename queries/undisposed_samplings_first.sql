-- one row per 不合格 sampling batch of unit_id's subtree dated in [from_date, to_date] whose 核查处置状态 is not 已完成 that is among the per_unit earliest sampling dates of its enterprise's unit (every batch tied on the last date kept), with unit_total, how many its unit has in all
-- The overview's short list of undisposed batches (dashboard.figures.exceptions.undisposed_first):
-- the same batches and columns as undisposed_samplings.sql, but the database counts each unit's and
-- ranks them by sampling date only, so a province's 30,000 are not read into Python for a top 20.
-- Ranked by the date alone (rank, not row_number: ties on the last date all kept), Python orders by
-- the date and then 抽样单编号 as the whole list does: no collation of either database decides which
-- rows are shown. The failed batches come from the partial index ix_sampling_failed_date as in
-- undisposed_samplings.sql; only the kept ones are joined to their columns. Each import CTE is used
-- once (a CTE used twice is materialised whole by both databases).
with

org_units as (
    select unit_id, code, name, sort_order from org_unit
),

enterprises as (
    select credit_code, unit_id from enterprise
),

shown_enterprises as (
    select credit_code, name, unit_id, cadre_name from enterprise
),

samplings as (
    select sample_no, credit_code, sampling_date, verdict, disposal_status from sampling
),

shown_samplings as (
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

undisposed as (
    select s.sample_no, s.sampling_date, e.unit_id
    from samplings as s
    cross join enterprises as e  -- SQLite: the failed batches first, through the partial index
    join covered_units as cu on cu.unit_id = e.unit_id
    where e.credit_code = s.credit_code
        and s.sampling_date >= :from_date and s.sampling_date <= :to_date
        and s.verdict <> '合格'  -- never null: the index's own predicate, so the index serves
        and coalesce(s.disposal_status, '') <> '已完成'
),

ranked as (
    select
        sample_no,
        rank() over (partition by unit_id order by sampling_date) as date_rank,
        count(*) over (partition by unit_id) as unit_total
    from undisposed
),

kept as (
    select sample_no, unit_total from ranked where date_rank <= :per_unit
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
        b.uploaded_at,
        k.unit_total
    from kept as k
    join shown_samplings as s on s.sample_no = k.sample_no
    join shown_enterprises as e on e.credit_code = s.credit_code
    join org_units as u on u.unit_id = e.unit_id
    left join batches as b on b.batch_id = s.batch_id
    -- true of every kept batch: PostgreSQL, blind to how few are kept, otherwise read all two
    -- million batches to join them (1.0 s instead of 0.3 s); with it, the failed ones only
    where s.verdict <> '合格' and s.sampling_date >= :from_date and s.sampling_date <= :to_date
)

select * from final
