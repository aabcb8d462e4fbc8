-- one row per 风险排查 of enterprise credit_code (inside the viewer's scope), with its upload batch
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

enterprises as (
    select credit_code, unit_id from enterprise
),

records as (
    select * from risk_screening
),

batches as (
    select batch_id, file_name, uploader, uploaded_at from upload_batch
),

final as (
    select
        r.screening_date,
        r.agency,
        r.count_hazards,
        case when r.has_plan then 1 else 0 end as has_plan,
        r.batch_id,
        b.file_name,
        b.uploader,
        b.uploaded_at
    from records as r
    join enterprises as e on e.credit_code = r.credit_code
    join closure as scope on scope.descendant_id = e.unit_id and scope.ancestor_id = :scope_unit_id
    left join batches as b on b.batch_id = r.batch_id
    where r.credit_code = :credit_code
)

select * from final
