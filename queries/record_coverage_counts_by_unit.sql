-- one row per report unit: active subjects of the population with a record of record_kind in [record_from_date, record_to_date] (numerator), and the active subjects of the population (denominator)
-- The count of a coverage measure (dashboard.figures.measures.Coverage) whose parameters the
-- enterprise flags query does not answer: a population, a period or record filters of its own
-- (风险排查 with a 一企一策 plan, 监督抽检 without 风险监测, 监督检查 of some types). The subjects are
-- the active ones of the population (queries/_fragments/population_subjects.sql) in each report
-- unit's subtree inside the viewer's scope; a subject counts when one of its records of the kind
-- (checklist named record_name, '' for any) is dated in the period, its record_source is in
-- sources (when any_source is 0) and not in exclude_sources, and it left a plan when
-- plan_required is 1. Same logic as Coverage.members over subject_records.sql
-- and enterprise_grades.sql (the members: gap lists and provenance); tests prove both agree.
-- Each arm of the union tests its own kind, so only the asked kind's table is read, once, into an
-- uncorrelated IN list probed per subject; 监督抽检 is probed per subject in its own table instead. A report unit with no such subject has no row (0 of 0).
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

subjects as (
    -- include: population_subjects
),

records as (
    select credit_code, inspection_date as record_date, '' as record_source, 0 as has_plan
    from self_inspection
    where :record_kind = '企业自查'
    union all
    select credit_code, evaluation_date, '', 0
    from supplier_evaluation
    where :record_kind = '供应商评价'
    union all
    select credit_code, exam_date, '', 0
    from officer_exam
    where :record_kind = '食安员抽考'
    union all
    select credit_code, visit_date, '', 0
    from cadre_visit
    where :record_kind = '包保督导'
    union all
    select credit_code, inspection_date, inspection_type, 0
    from inspection
    where :record_kind = '监督检查'
    union all
    select credit_code, check_date, '', 0
    from checklist_item
    where :record_kind = '检查清单'
        and (checklist = cast(:record_name as varchar(100)) or cast(:record_name as varchar(100)) = '')
    union all
    select credit_code, screening_date, '', case when has_plan then 1 else 0 end
    from risk_screening
    where :record_kind = '风险排查'
),

samplings as (
    -- not an arm of records: probed per subject in counts_by_own_unit
    select credit_code, sampling_date, task_source from sampling
),

covering_records as (
    select credit_code
    from records
    where record_date >= :record_from_date and record_date <= :record_to_date
        and (:any_source = 1 or record_source in :sources)
        and record_source not in :exclude_sources
        and (:plan_required = 0 or has_plan = 1)
),

covered_units as (
    -- include: scope_covered_units_by_report_unit
),

counts_by_own_unit as (
    select
        unit_id,
        count(*) as count_subjects,
        -- 监督抽检 holds most records (millions at province scale): its subjects are probed one by
        -- one on (credit_code, date), stopping at the first batch, instead of reading the window's
        -- batches into the IN list (province SQLite, 400,000 batches: 0.27 s → 0.02 s CPU)
        sum(case
            when :record_kind = '监督抽检' then
                case when exists (
                    select 1 from samplings as x
                    where x.credit_code = subjects.credit_code
                        and x.sampling_date >= :record_from_date and x.sampling_date <= :record_to_date
                        and (:any_source = 1 or x.task_source in :sources)
                        and x.task_source not in :exclude_sources
                        and :plan_required = 0
                ) then 1 else 0 end
            when credit_code in (select credit_code from covering_records) then 1 else 0
        end) as count_covered
    from subjects
    group by unit_id
),

final as (
    select
        cu.report_unit_id as unit_id,
        'covered' as count_key,
        sum(c.count_covered) as numerator,
        sum(c.count_subjects) as denominator
    from covered_units as cu
    join counts_by_own_unit as c on c.unit_id = cu.unit_id
    group by cu.report_unit_id
)

select * from final
