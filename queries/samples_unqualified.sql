-- one row per counted 不合格 sampling batch of unit_id's subtree in the window
-- Window [from_date, to_date] with to_date already clipped to as_of; 风险监测 not counted.
-- Same logic as sampling_pass_counts_by_unit.sql.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

org_units as (
    select unit_id, code, name from org_unit
),

enterprises as (
    select credit_code, name, unit_id, cadre_name from enterprise
),

samplings as (
    select sample_no, credit_code, food_name, sampling_date, task_source, verdict, failed_items,
        disposal_status
    from sampling
),

covered_units as (
    select report.descendant_id as unit_id
    from closure as report
    join closure as scope
        on scope.descendant_id = report.descendant_id
        and scope.ancestor_id = :scope_unit_id
    where report.ancestor_id = :unit_id
),

unqualified_samples as (
    select *
    from samplings
    where sampling_date >= :from_date and sampling_date <= :to_date
        and task_source <> '风险监测'
        and verdict <> '合格'
),

final as (
    select
        s.sample_no,
        e.credit_code,
        e.name,
        u.code as unit_code,
        u.name as unit_name,
        e.cadre_name,
        s.food_name,
        s.sampling_date,
        s.task_source,
        s.failed_items,
        s.disposal_status
    from unqualified_samples as s
    join enterprises as e on e.credit_code = s.credit_code
    join covered_units as cu on cu.unit_id = e.unit_id
    join org_units as u on u.unit_id = e.unit_id
)

select * from final
