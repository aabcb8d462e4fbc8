-- one row per report unit × date on which any record of its subtree is dated, in [from_date, to_date]
-- "A unit reported a month when it has any record dated in that month" (months are bucketed in
-- Python: no dialect date functions). 主体责任 rows are dated by their month's first day.
-- At province scale the record tables hold millions of rows, so each sheet is reduced to
-- (enterprise unit, date) on its own before the union: sampling from its unit × day rollup (a row
-- there for every unit and day with a batch), every other sheet from its (credit_code, date) key
-- read enterprise by enterprise ("enterprises cross join": SQLite keeps that join order and reads
-- the key index only; PostgreSQL plans it as a plain join).
with

enterprises as (
    select credit_code, unit_id from enterprise
),

sampling_unit_days as (
    select unit_id, sampling_date as record_date from rollup_sampling_unit_day
),

self_inspections as (
    select credit_code, inspection_date as record_date from self_inspection
),

responsibilities as (
    select credit_code, month_date as record_date from responsibility
),

supplier_evaluations as (
    select credit_code, evaluation_date as record_date from supplier_evaluation
),

officer_exams as (
    select credit_code, exam_date as record_date from officer_exam
),

inspections as (
    select credit_code, inspection_date as record_date from inspection
),

problems as (
    select credit_code, found_date as record_date from problem
),

cadre_visits as (
    select credit_code, visit_date as record_date from cadre_visit
),

enforcement_cases as (
    select credit_code, filed_date as record_date from enforcement_case
),

report_subtrees as (
    select ancestor_id as report_unit_id, descendant_id as unit_id from org_unit_closure
    where ancestor_id in :report_unit_ids
),

scope as (
    select descendant_id as unit_id from org_unit_closure where ancestor_id = :scope_unit_id
),

covered_units as (
    select r.report_unit_id, r.unit_id from report_subtrees as r join scope as s on s.unit_id = r.unit_id
),

dates_by_own_unit as (
    select distinct unit_id, record_date from sampling_unit_days
    where record_date >= :from_date and record_date <= :to_date
    union
    select distinct e.unit_id, d.record_date from enterprises as e cross join self_inspections as d
    where d.credit_code = e.credit_code and d.record_date >= :from_date and d.record_date <= :to_date
    union
    select distinct e.unit_id, d.record_date from enterprises as e cross join responsibilities as d
    where d.credit_code = e.credit_code and d.record_date >= :from_date and d.record_date <= :to_date
    union
    select distinct e.unit_id, d.record_date from enterprises as e cross join supplier_evaluations as d
    where d.credit_code = e.credit_code and d.record_date >= :from_date and d.record_date <= :to_date
    union
    select distinct e.unit_id, d.record_date from enterprises as e cross join officer_exams as d
    where d.credit_code = e.credit_code and d.record_date >= :from_date and d.record_date <= :to_date
    union
    select distinct e.unit_id, d.record_date from enterprises as e cross join inspections as d
    where d.credit_code = e.credit_code and d.record_date >= :from_date and d.record_date <= :to_date
    union
    select distinct e.unit_id, d.record_date from enterprises as e cross join problems as d
    where d.credit_code = e.credit_code and d.record_date >= :from_date and d.record_date <= :to_date
    union
    select distinct e.unit_id, d.record_date from enterprises as e cross join cadre_visits as d
    where d.credit_code = e.credit_code and d.record_date >= :from_date and d.record_date <= :to_date
    union
    select distinct e.unit_id, d.record_date from enterprises as e cross join enforcement_cases as d
    where d.credit_code = e.credit_code and d.record_date >= :from_date and d.record_date <= :to_date
),

final as (
    select distinct cu.report_unit_id as unit_id, d.record_date
    from covered_units as cu
    join dates_by_own_unit as d on d.unit_id = cu.unit_id
)

select * from final
