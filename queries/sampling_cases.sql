-- one row per 不合格 sampling batch of unit_id's subtree sampled on or before as_of, with the first enforcement case filed for it by as_of
-- The records of a within-days measure over 不合格抽检 (抽样日期 → 立案日期): a case belongs to a
-- batch when its 来源编号 is the batch's 抽样单编号; the earliest such case filed by as_of decides
-- (case_no, filed_date and its upload batch case_batch_id; empty when none).
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
    select sample_no, credit_code, food_name, sampling_date, task_source, failed_items, disposal_status,
        batch_id
    from sampling
    where verdict = '不合格' and sampling_date <= :as_of
),

cases as (
    select case_no, source_no, filed_date, batch_id,
        row_number() over (partition by source_no order by filed_date, case_no) as rank_no
    from enforcement_case
    where source_no is not null and filed_date <= :as_of
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
        s.sampling_date,
        s.task_source,
        s.failed_items,
        s.disposal_status,
        c.case_no,
        c.filed_date,
        c.batch_id as case_batch_id,
        s.batch_id
    from samplings as s
    join enterprises as e on e.credit_code = s.credit_code
    join covered_units as cu on cu.unit_id = e.unit_id
    join org_units as u on u.unit_id = e.unit_id
    left join cases as c on c.source_no = s.sample_no and c.rank_no = 1
)

select * from final
