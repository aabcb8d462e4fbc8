-- one row per stored count-query row (report unit × count_key) of each requested parameter hash at one data version; count_key '' marks a unit counted with no row
-- dashboard.figures.stored: the rows a count query gave, kept under a hash of its name, text,
-- campaign fingerprint and bound parameters (the viewer's scope unit among them) and the data
-- version; the report units were checked against the viewer's scope before they were asked for.
with

figure_keys as (
    select key_id, params_hash, max_batch_id, count_committed, count_other from stored_figure_key
),

figures as (
    select key_id, unit_id, count_key, numerator, denominator from stored_figure
),

final as (
    select k.params_hash, f.unit_id, f.count_key, f.numerator, f.denominator
    from figure_keys as k
    join figures as f on f.key_id = k.key_id
    where k.params_hash in :params_hashes
        and k.max_batch_id = :max_batch_id
        and k.count_committed = :count_committed
        and k.count_other = :count_other
        and f.unit_id in :report_unit_ids
)

select * from final
