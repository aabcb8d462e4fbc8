-- one row per examined person (enterprise + 姓名) of unit_id's subtree (the denominator of
-- officer_exam_pass), with is_numerator (latest exam up to as_of 合格) and that exam's upload batch.
-- Same person logic as officer_exam_pass_counts_by_unit.sql; tests prove the counts are the engine's.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

org_units as (
    select unit_id, code, name, sort_order from org_unit
),

enterprises as (
    select credit_code, name, unit_id, cadre_name from enterprise
),

officer_exams as (
    select * from officer_exam
),

covered_units as (
    select report.descendant_id as unit_id
    from closure as report
    join closure as scope
        on scope.descendant_id = report.descendant_id
        and scope.ancestor_id = :scope_unit_id
    where report.ancestor_id = :unit_id
),

latest_exams as (
    select
        credit_code,
        person_name,
        post,
        exam_date,
        score,
        is_passed,
        batch_id,
        row_number() over (partition by credit_code, person_name order by exam_date desc) as rn
    from officer_exams
    where exam_date <= :as_of
),

members as (
    select
        credit_code,
        person_name || '（' || post || '）' as member_label,
        case when is_passed then 1 else 0 end as is_numerator,
        batch_id,
        case when is_passed then '最近一次抽考合格' else '最近一次抽考不合格' end as evidence_label,
        exam_date as evidence_date
    from latest_exams
    where rn = 1
),

final as (
    select
        u.code as unit_code,
        u.name as unit_name,
        u.sort_order as unit_order,
        e.credit_code,
        e.name,
        e.cadre_name,
        m.member_label,
        m.is_numerator,
        m.batch_id as member_batch_id,
        m.evidence_label,
        m.evidence_date,
        m.batch_id as evidence_batch_id
    from members as m
    join enterprises as e on e.credit_code = m.credit_code
    join covered_units as cu on cu.unit_id = e.unit_id
    join org_units as u on u.unit_id = e.unit_id
)

select * from final
