-- one row per (kind, category) of records of unit_id's subtree dated in [from_date, to_date]: how many, and a summed amount
-- The briefing's 工作开展情况 (dashboard.exports.work_summary): inspections by 检查类型 (amount: problems
-- found), the 监督检查 problems on the 问题整改 list (per enterprise, at most as many as its inspections found), sampling batches by 任务来源 × 检验项目类别 × 检验结论 ×
-- whether a 不合格 batch's 核查处置 is done (the classes, joined by 、, are split in Python), exams by 是否合格 and the enterprises examined, 包保督导 visits by 干部层级 and the enterprises visited, self-inspections, supplier evaluations,
-- star ratings by 星级 (dated by year: counted when the year overlaps the window), enforcement cases
-- (amount: 罚没金额; category: whether transferred to the police), and the active (在产) enterprises.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

enterprises as (
    select credit_code, unit_id, status from enterprise
),

covered_units as (
    -- include: scope_covered_units
),

covered as (
    select e.credit_code, e.status
    from enterprises as e
    join covered_units as cu on cu.unit_id = e.unit_id
),

active as (
    select 'enterprise' as kind, '在产' as category, count(*) as count_records, count(*) as amount
    from covered
    where status = '在产'
),

inspections as (
    select 'inspection' as kind, inspection_type as category, count(*) as count_records,
        sum(count_problems) as amount
    from inspection
    where credit_code in (select credit_code from covered)
        and inspection_date between :from_date and :to_date
    group by inspection_type
),

samplings as (
    -- the category's last part: 已完成 for a 不合格 batch whose 核查处置 is done, empty otherwise
    select 'sampling' as kind, task_source || '║' || hazard_classes || '║' || verdict || '║'
            || case when verdict <> '合格' and disposal_status = '已完成' then '已完成' else '' end as category,
        count(*) as count_records, count(*) as amount
    from sampling
    where credit_code in (select credit_code from covered)
        and sampling_date between :from_date and :to_date
    group by task_source, hazard_classes, verdict,
        case when verdict <> '合格' and disposal_status = '已完成' then '已完成' else '' end
),

found_by_enterprise as (
    select credit_code, sum(coalesce(count_problems, 0)) as count_found
    from inspection
    where credit_code in (select credit_code from covered)
        and inspection_date between :from_date and :to_date
    group by credit_code
),

listed_by_enterprise as (
    -- 监督检查 problems found in the window that are on the 问题整改 list (each with its 整改期限)
    select credit_code, count(*) as count_listed
    from problem
    where credit_code in (select credit_code from covered)
        and source = '监督检查'
        and found_date between :from_date and :to_date
    group by credit_code
),

listed_problems as (
    -- per enterprise, at most what its inspections found: one enterprise's listed problem never
    -- stands for another's unlisted one
    select 'listed_problem' as kind, '' as category,
        cast(coalesce(sum(case when l.count_listed < f.count_found then l.count_listed else f.count_found end), 0)
            as integer) as count_records,
        cast(coalesce(sum(case when l.count_listed < f.count_found then l.count_listed else f.count_found end), 0)
            as integer) as amount
    from found_by_enterprise as f
    join listed_by_enterprise as l on l.credit_code = f.credit_code
),

exams_in_window as (
    select credit_code, is_passed
    from officer_exam
    where credit_code in (select credit_code from covered)
        and exam_date between :from_date and :to_date
),

exams as (
    select 'officer_exam' as kind, case when is_passed then '合格' else '不合格' end as category,
        count(*) as count_records, count(*) as amount
    from exams_in_window
    group by case when is_passed then '合格' else '不合格' end
    union all
    select 'officer_exam_enterprises' as kind, '' as category, count(distinct credit_code) as count_records,
        count(distinct credit_code) as amount
    from exams_in_window
),

visits_in_window as (
    select credit_code, cadre_level
    from cadre_visit
    where credit_code in (select credit_code from covered)
        and visit_date between :from_date and :to_date
),

visits as (
    select 'cadre_visit' as kind, cadre_level as category, count(*) as count_records, count(*) as amount
    from visits_in_window
    group by cadre_level
    union all
    select 'cadre_visit_enterprises' as kind, '' as category, count(distinct credit_code) as count_records,
        count(distinct credit_code) as amount
    from visits_in_window
),

self_inspections as (
    select 'self_inspection' as kind, '' as category, count(*) as count_records,
        count(distinct credit_code) as amount
    from self_inspection
    where credit_code in (select credit_code from covered)
        and inspection_date between :from_date and :to_date
),

supplier_evaluations as (
    select 'supplier_evaluation' as kind, '' as category, count(*) as count_records,
        sum(count_suppliers) as amount
    from supplier_evaluation
    where credit_code in (select credit_code from covered)
        and evaluation_date between :from_date and :to_date
),

star_ratings as (
    select 'star_rating' as kind, star as category, count(*) as count_records, count(*) as amount
    from star_rating
    where credit_code in (select credit_code from covered)
        and year between :from_year and :to_year
    group by star
),

cases as (
    select 'enforcement_case' as kind, case when is_transferred_police then '移送公安' else '' end as category,
        -- summed as numeric (+ 0.0 keeps SQLite's sum in floating point): a float8 sum that passes
        -- 1.8e308 is an error on PostgreSQL, here it comes back as a number Python reads as inf
        count(*) as count_records, sum(cast(coalesce(fine_amount, 0) as numeric) + 0.0) as amount
    from enforcement_case
    where credit_code in (select credit_code from covered)
        and filed_date between :from_date and :to_date
    group by case when is_transferred_police then '移送公安' else '' end
),

final as (
    select * from active
    union all select * from inspections
    union all select * from samplings
    union all select * from listed_problems
    union all select * from exams
    union all select * from visits
    union all select * from self_inspections
    union all select * from supplier_evaluations
    union all select * from star_ratings
    union all select * from cases
)

select * from final
