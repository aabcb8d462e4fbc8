-- one row per report unit: active subjects of a listed grade whose 监督检查 from the campaign start to as_of reach the number their grade requires (numerator), and the active subjects of a listed grade (denominator)
-- The count of a graded-frequency measure (dashboard.figures.measures.GradedMinimum). grade_column
-- names the grade ('risk_grade' or 'credit_grade'); required_a … required_d are the numbers each
-- grade must have by as_of (the campaign file's minimum pro rata, computed in Python), -1 for a
-- grade the measure does not list (and a subject without a listed grade is in neither count).
-- The subjects are the active ones of the population (queries/_fragments/population_subjects.sql)
-- in each report unit's subtree inside the viewer's scope.
-- Same logic as GradedMinimum.members over enterprise_grades.sql (the members: gap lists and
-- provenance); tests prove both agree. A report unit with no such subject has no row (0 of 0).
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

subjects as (
    -- include: population_subjects
),

inspection_counts as (
    select credit_code, count(*) as count_inspections
    from inspection
    where inspection_date >= :campaign_start_date and inspection_date <= :as_of
    group by credit_code
),

covered_units as (
    -- include: scope_covered_units_by_report_unit
),

graded_subjects as (
    select
        s.credit_code,
        s.unit_id,
        case case when :grade_column = 'credit_grade' then s.credit_grade else s.risk_grade end
            when 'A' then :required_a
            when 'B' then :required_b
            when 'C' then :required_c
            when 'D' then :required_d
            else -1 end as count_required
    from subjects as s
),

counts_by_own_unit as (
    select
        g.unit_id,
        count(*) as count_graded,
        sum(case when coalesce(i.count_inspections, 0) >= g.count_required then 1 else 0 end) as count_met
    from graded_subjects as g
    left join inspection_counts as i on i.credit_code = g.credit_code
    where g.count_required >= 0
    group by g.unit_id
),

final as (
    select
        cu.report_unit_id as unit_id,
        'graded_met' as count_key,
        sum(c.count_met) as numerator,
        sum(c.count_graded) as denominator
    from covered_units as cu
    join counts_by_own_unit as c on c.unit_id = cu.unit_id
    group by cu.report_unit_id
)

select * from final
