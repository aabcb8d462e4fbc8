-- one row per 星级评比 result (enterprise × 年度) of unit_id's subtree, with the enterprise, its unit and the upload batch
-- The 星级评比 tables and the 示范企业 list (dashboard.figures.stars): every year, every enterprise
-- status (a rating stays what it was when the enterprise later stops production).
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

org_units as (
    select unit_id, code, name, sort_order from org_unit
),

enterprises as (
    select credit_code, name, unit_id, status from enterprise
),

ratings as (
    select credit_code, year, score, star, batch_id from star_rating
),

batches as (
    select batch_id, file_name, uploader, uploaded_at from upload_batch
),

covered_units as (
    -- include: scope_covered_units
),

final as (
    select
        r.credit_code,
        e.name,
        e.status,
        u.code as unit_code,
        u.name as unit_name,
        u.sort_order as unit_order,
        r.year,
        r.score,
        r.star,
        r.batch_id,
        b.file_name,
        b.uploader,
        b.uploaded_at
    from ratings as r
    join enterprises as e on e.credit_code = r.credit_code
    join covered_units as cu on cu.unit_id = e.unit_id
    join org_units as u on u.unit_id = e.unit_id
    left join batches as b on b.batch_id = r.batch_id
)

select * from final
