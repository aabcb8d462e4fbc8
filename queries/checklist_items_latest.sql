-- one row per item of each enterprise's latest 检查清单 named checklist_name in [from_date, to_date] (unit_id's subtree)
-- The checklist measure (dashboard.figures.measures) with a record other than 主体责任月报: the
-- latest check day inside the window decides, and every item the campaign file lists must be 是
-- on it (an item not filled in that day counts as not done). to_date is already clipped to as_of.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

enterprises as (
    select credit_code, unit_id from enterprise
),

items as (
    select credit_code, check_date, item, is_done, batch_id
    from checklist_item
    where checklist = :checklist_name and check_date >= :from_date and check_date <= :to_date
),

latest_days as (
    select credit_code, max(check_date) as check_date from items group by credit_code
),

covered_units as (
    -- include: scope_covered_units
),

final as (
    select
        i.credit_code,
        i.check_date,
        i.item,
        case when i.is_done then 1 else 0 end as is_done,
        i.batch_id
    from items as i
    join latest_days as l on l.credit_code = i.credit_code and l.check_date = i.check_date
    join enterprises as e on e.credit_code = i.credit_code
    join covered_units as cu on cu.unit_id = e.unit_id
)

select * from final
