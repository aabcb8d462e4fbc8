-- one row per 主体责任 month of enterprise credit_code (inside the viewer's scope), with its upload batch
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

enterprises as (
    select credit_code, unit_id from enterprise
),

records as (
    select * from responsibility
),

batches as (
    select batch_id, file_name, uploader, uploaded_at from upload_batch
),

final as (
    select
        r.month_date,
        case when r.has_principal then 1 else 0 end as has_principal,
        case when r.has_safety_director then 1 else 0 end as has_safety_director,
        case when r.has_safety_officer then 1 else 0 end as has_safety_officer,
        case when r.is_daily_control_done then 1 else 0 end as is_daily_control_done,
        case when r.is_weekly_check_done then 1 else 0 end as is_weekly_check_done,
        case when r.is_monthly_review_done then 1 else 0 end as is_monthly_review_done,
        case when r.has_daily_list then 1 else 0 end as has_daily_list,
        case when r.has_weekly_report then 1 else 0 end as has_weekly_report,
        case when r.has_monthly_record then 1 else 0 end as has_monthly_record,
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
