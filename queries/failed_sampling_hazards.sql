-- one row per 不合格 监督抽检 batch (not 风险监测) of unit_id's subtree sampled in [from_date, to_date]: its 检测项目类别 and 不合格项目
-- What decides whether a batch is serious (dashboard.figures.strikes.serious_samples applies the
-- campaign's strike rule to these two columns in Python) before serious_failed_samplings.sql links
-- cases to the serious ones only. The failed batches come from the partial index
-- ix_sampling_failed_date ("samplings cross join enterprises": SQLite keeps that order; joined the
-- other way it read every batch of each enterprise, 5 s at province scale instead of 0.15 s;
-- PostgreSQL plans it as a plain join).
with

enterprises as (
    select credit_code, unit_id from enterprise
),

samplings as (
    select sample_no, credit_code, sampling_date, task_source, hazard_classes, verdict, failed_items from sampling
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
        s.hazard_classes,
        s.failed_items
    from samplings as s
    cross join enterprises as e  -- SQLite: the failed batches first, through the partial index
    where e.credit_code = s.credit_code
        and e.unit_id in (select unit_id from covered_units)
        and s.sampling_date >= :from_date and s.sampling_date <= :to_date
        and s.verdict <> '合格'  -- never null: the index's own predicate, so the index serves
        and s.task_source <> '风险监测'
)

select * from final
