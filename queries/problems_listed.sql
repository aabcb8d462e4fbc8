-- one row per problem (any source) of unit_id's subtree found on or before as_of, with its unit and upload batch
-- Also the members of rectification (dashboard.gaps and dashboard.records): is_counted marks the
-- 监督检查 problems found from the campaign start (the denominator), is_rectified those 已整改 with
-- 整改完成日期 ≤ as_of (the numerator; a problem closed later is still open on as_of). Same logic
-- as rectification_counts_by_unit.sql; tests prove the counts agree.
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

problems as (
    select * from problem
),

batches as (
    select batch_id, file_name, uploader, uploaded_at from upload_batch
),

covered_units as (
    -- include: scope_covered_units
),

final as (
    select
        p.problem_no,
        e.credit_code,
        e.name,
        u.code as unit_code,
        u.name as unit_name,
        u.sort_order as unit_order,
        e.cadre_name,
        p.source,
        p.source_no,
        p.description,
        p.found_date,
        p.deadline_date,
        p.closed_date,
        p.review_result,
        case when p.source = '监督检查' and p.found_date >= :campaign_start_date
            then 1 else 0 end as is_counted,
        case when p.review_result = '已整改' and p.closed_date <= :as_of
            then 1 else 0 end as is_rectified,
        p.batch_id,
        b.file_name,
        b.uploader,
        b.uploaded_at
    from problems as p
    join enterprises as e on e.credit_code = p.credit_code
    join covered_units as cu on cu.unit_id = e.unit_id
    join org_units as u on u.unit_id = e.unit_id
    left join batches as b on b.batch_id = p.batch_id
    where p.found_date <= :as_of
)

select * from final
