-- one row: the registry row of enterprise credit_code (inside the viewer's scope), with its org unit and upload batch
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

records as (
    select * from enterprise
),

org_units as (
    select unit_id, code, name from org_unit
),

batches as (
    select batch_id, file_name, uploader, uploaded_at from upload_batch
),

final as (
    select
        r.credit_code,
        r.name,
        r.license_no,
        case when r.is_large then 1 else 0 end as is_large,
        r.risk_grade,
        r.credit_grade,
        r.product_category,
        r.cadre_name,
        r.status,
        u.code as unit_code,
        u.name as unit_name,
        r.address,
        r.batch_id,
        b.file_name,
        b.uploader,
        b.uploaded_at
    from records as r
    join closure as scope on scope.descendant_id = r.unit_id and scope.ancestor_id = :scope_unit_id
    join org_units as u on u.unit_id = r.unit_id
    left join batches as b on b.batch_id = r.batch_id
    where r.credit_code = :credit_code
)

select * from final
