-- one row per stored count-query row (report unit × count_key) of each requested parameter hash, with the change number it was counted at and the newest change of the unit's subtree and of everything; count_key '' marks a unit counted with no row
-- dashboard.figures.stored: the rows a count query gave, kept under a hash of its name, text,
-- campaign fingerprint and bound parameters (the viewer's scope unit among them); a unit's rows
-- hold while none of them is older than unit_change_no or every_change_no. The report units were
-- checked against the viewer's scope before they were asked for.
with

figure_keys as (
    select key_id, params_hash from stored_figure_key
),

figures as (
    select key_id, unit_id, count_key, numerator, denominator, change_no from stored_figure
),

unit_changes as (
    select unit_id, change_no from stored_figure_unit
),

every_change as (
    select coalesce(max(change_no), 0) as change_no from stored_figure_unit where unit_id = 0
),

final as (
    select
        k.params_hash,
        f.unit_id,
        f.count_key,
        f.numerator,
        f.denominator,
        f.change_no,
        coalesce(u.change_no, 0) as unit_change_no,
        e.change_no as every_change_no
    from figure_keys as k
    join figures as f on f.key_id = k.key_id
    left join unit_changes as u on u.unit_id = f.unit_id
    cross join every_change as e
    where k.params_hash in :params_hashes
        and f.unit_id in :report_unit_ids
)

select * from final
