-- one row per 不合格 监督抽检 batch (not 风险监测) of unit_id's subtree sampled in [from_date, to_date], with the cases linked to it
-- The 严打 exception (dashboard.figures.strikes.unfiled_samples; docs/indicators.md). A case of the
-- batch's enterprise filed by to_date is linked to the batch when its 来源编号 is the 抽样单编号, or
-- the 问题编号 of a problem whose 来源编号 is the 抽样单编号, or when it has no 来源编号 and was filed on
-- or after the sampling date. Which batches are serious (the campaign file's strike.hazard_classes
-- and failed_item_words) and the days a case may take are applied in Python: the lists are the
-- campaign's, of any length. sample_nos are the serious ones among them, found first from
-- failed_sampling_hazards.sql: linking cases to every failed batch cost 0.4 s at province scale.
with

org_units as (
    select unit_id, code, name, sort_order from org_unit
),

enterprises as (
    select credit_code, name, unit_id, cadre_name from enterprise
),

samplings as (
    select sample_no, credit_code, food_name, sampling_date, task_source, hazard_classes, verdict,
        failed_items, disposal_status, batch_id
    from sampling
    -- the failed batches of the window only, read through the partial index ix_sampling_failed_date
    -- (a CTE used four times is materialised whole otherwise: every batch of a province), and of
    -- those only sample_nos, the batches failed_sampling_hazards.sql found serious (every one of
    -- them when every_failed is 1: a list too long to bind)
    where verdict <> '合格' and sampling_date >= :from_date and sampling_date <= :to_date
        and (:every_failed = 1 or sample_no in :sample_nos)
),

cases as (
    select case_no, credit_code, filed_date, source_no from enforcement_case
),

problems as (
    select problem_no, credit_code, source_no from problem
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

failed as (
    select s.*
    from samplings as s
    join enterprises as e on e.credit_code = s.credit_code
    -- an IN list, not a join: joined, SQLite looped every failed batch once per covered unit
    -- (111 × the window's failed batches at province scale: 0.45 s of this query's 0.5 s)
    where e.unit_id in (select unit_id from covered_units)
        and s.sampling_date >= :from_date and s.sampling_date <= :to_date
        and s.verdict <> '合格'
        and s.task_source <> '风险监测'
),

by_source_no as (
    select s.sample_no, c.case_no, c.filed_date
    from failed as s
    join cases as c on c.credit_code = s.credit_code and c.source_no = s.sample_no
    where c.filed_date <= :to_date
),

by_problem as (
    select s.sample_no, c.case_no, c.filed_date
    from failed as s
    join problems as p on p.credit_code = s.credit_code and p.source_no = s.sample_no
    join cases as c on c.credit_code = s.credit_code and c.source_no = p.problem_no
    where c.filed_date <= :to_date
),

without_source_no as (
    select s.sample_no, c.case_no, c.filed_date
    from failed as s
    join cases as c on c.credit_code = s.credit_code
    where coalesce(c.source_no, '') = ''
        and c.filed_date >= s.sampling_date
        and c.filed_date <= :to_date
),

links as (
    select sample_no, case_no, filed_date from by_source_no
    union
    select sample_no, case_no, filed_date from by_problem
    union
    select sample_no, case_no, filed_date from without_source_no
),

ranked_links as (
    select
        sample_no,
        case_no,
        filed_date,
        row_number() over (partition by sample_no order by filed_date, case_no) as link_rank,
        count(*) over (partition by sample_no) as count_cases
    from links
),

first_links as (
    select sample_no, case_no, filed_date, count_cases from ranked_links where link_rank = 1
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
        s.sampling_date,
        s.task_source,
        s.hazard_classes,
        s.failed_items,
        s.disposal_status,
        l.case_no,
        l.filed_date,
        coalesce(l.count_cases, 0) as count_cases,
        s.batch_id,
        b.file_name,
        b.uploader,
        b.uploaded_at
    from failed as s
    join enterprises as e on e.credit_code = s.credit_code
    join org_units as u on u.unit_id = e.unit_id
    left join first_links as l on l.sample_no = s.sample_no
    left join batches as b on b.batch_id = s.batch_id
)

select * from final
