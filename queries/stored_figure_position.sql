-- one row: the newest change number (dashboard.figures.stored counts at it; 0 before any write)
with

unit_changes as (
    select change_no from stored_figure_unit
),

final as (
    select coalesce(max(change_no), 0) as change_no from unit_changes
)

select * from final
