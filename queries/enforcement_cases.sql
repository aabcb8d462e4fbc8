-- one row per 违法案件 of unit_id's subtree filed in [from_date, to_date], with its enterprise, unit, upload batch and the record its 来源编号 names
-- The 严打 panel (dashboard.figures.enforcement). A 来源编号 links the case to the 抽样单编号, 问题编号 or
-- 检查编号 of a record of the same enterprise (in that order when two tables share a number); one
-- naming no such record links nothing. to_date is the window end already clipped to as_of.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

org_units as (
    select unit_id, code, name, sort_order from org_unit
),

enterprises as (
    select credit_code, name, unit_id from enterprise
),

cases as (
    select case_no, credit_code, filed_date, violation_type, fine_amount, is_transferred_police,
        source_no, batch_id
    from enforcement_case
),

samplings as (
    select sample_no, credit_code, sampling_date, food_name, verdict from sampling
),

problems as (
    select problem_no, credit_code, found_date, description from problem
),

inspections as (
    select inspection_no, credit_code, inspection_date, inspection_type from inspection
),

batches as (
    select batch_id, file_name, uploader, uploaded_at from upload_batch
),

covered_units as (
    -- include: scope_covered_units
),

final as (
    select
        c.case_no,
        c.credit_code,
        e.name,
        u.code as unit_code,
        u.name as unit_name,
        u.sort_order as unit_order,
        c.filed_date,
        c.violation_type,
        c.fine_amount,
        case when c.is_transferred_police then 1 else 0 end as is_transferred_police,
        c.source_no,
        case
            when s.sample_no is not null then '监督抽检'
            when p.problem_no is not null then '问题整改'
            when i.inspection_no is not null then '监督检查'
        end as source_kind,
        case
            when s.sample_no is not null then s.sampling_date
            when p.problem_no is not null then p.found_date
            else i.inspection_date
        end as source_date,
        case
            when s.sample_no is not null then s.food_name || '（' || s.verdict || '）'
            when p.problem_no is not null then p.description
            else i.inspection_type
        end as source_label,
        c.batch_id,
        b.file_name,
        b.uploader,
        b.uploaded_at
    from cases as c
    join enterprises as e on e.credit_code = c.credit_code
    join covered_units as cu on cu.unit_id = e.unit_id
    join org_units as u on u.unit_id = e.unit_id
    left join samplings as s on s.sample_no = c.source_no and s.credit_code = c.credit_code
    left join problems as p on p.problem_no = c.source_no and p.credit_code = c.credit_code
    left join inspections as i on i.inspection_no = c.source_no and i.credit_code = c.credit_code
    left join batches as b on b.batch_id = c.batch_id
    where c.filed_date >= :from_date and c.filed_date <= :to_date
)

select * from final
