-- one row per report unit × enterprise flag (count_key): numerator and denominator
-- Counts active enterprises of each report unit's subtree (inside the viewer's scope) with a
-- 企业自查 in the window, the latest 主体责任 month all done, valid HACCP/ISO22000 and 智能化追溯
-- (规上 only), and a 供应商评价, 食安员抽考 or 包保督导 since the campaign start; the measures of
-- dashboard.figures.measures read the count_key they stand for. The per-enterprise logic is the same as in
-- enterprise_target_flags.sql (the members: gap lists and provenance); tests prove both agree.
-- A report unit with no active enterprise has no row (Python reads that as 0 of 0).
-- to_date is the window end already clipped to as_of; from_month_date is the first day of
-- from_date's month (a month is inside the window when any of its days is); whole_from_date and
-- whole_to_date bound the calendar months wholly inside the window (dashboard.periods.whole_months).
-- Each flag is an existence probe per active enterprise on a (credit_code, date) key, so the cost
-- grows with the enterprises, not the records. self_inspection reads rollup_self_inspection_month
-- for the whole months and probes the raw rows only in the partial months at the window's edges.
-- 供应商评价, 食安员抽考 and 包保督导 read rollup_enterprise_span (each enterprise's first and last
-- record date per table): a record lies in [campaign start, as_of] when the first or the last
-- does; when neither does, one lies there only if first < start and last > as_of, and only then is
-- the enterprise's own rows probed.
with

closure as (
    select ancestor_id, descendant_id from org_unit_closure
),

own_enterprises as (
    -- the report units' own count (own_only 1: their covered units are themselves) reads only their
    -- active enterprises and, by credit code, those enterprises' rows: the IN lists below then hold a
    -- few hundred codes instead of every code of the window (a whole count's fixed cost). The lists
    -- have one arm per case, the other arm's constant condition false; a filter "own_only is 0 or …"
    -- folds away on PostgreSQL: a whole count (own_only 0) keeps its plan
    select credit_code from enterprise where :own_only = 1 and status = '在产' and unit_id in :report_unit_ids
),

active_enterprises as (
    select credit_code, unit_id, is_large from enterprise
    where status = '在产' and (:own_only = 0 or credit_code in (select credit_code from own_enterprises))
),

covered_units as (
    -- include: scope_covered_units_by_report_unit
),

valid_systems as (
    -- held on as_of: established by then and not yet expired (expiring on as_of still holds)
    select credit_code, system_type
    from management_system
    where established_date <= :as_of
        and (valid_until_date is null or valid_until_date >= :as_of)
        and (:own_only = 0 or credit_code in (select credit_code from own_enterprises))
),

active_enterprise_flags as (
    -- self-inspection and systems: uncorrelated IN lists, built once per query and probed per
    -- enterprise; the three since-start flags: the enterprise's span row (raw rows only in the gap case)
    select
        e.credit_code,
        e.unit_id,
        case when e.is_large then 1 else 0 end as is_large,
        case when e.credit_code in (
                select credit_code from rollup_self_inspection_month
                where :own_only = 0 and month_date >= :whole_from_date and month_end_date <= :whole_to_date
                union all
                select credit_code from rollup_self_inspection_month
                where :own_only = 1 and credit_code in (select credit_code from own_enterprises)
                    and month_date >= :whole_from_date and month_end_date <= :whole_to_date)
            or e.credit_code in (
                select credit_code from self_inspection
                where :own_only = 0 and ((inspection_date >= :from_date and inspection_date < :whole_from_date)
                    or (inspection_date > :whole_to_date and inspection_date <= :to_date))
                union all
                select credit_code from self_inspection
                where :own_only = 1 and credit_code in (select credit_code from own_enterprises)
                    and ((inspection_date >= :from_date and inspection_date < :whole_from_date)
                        or (inspection_date > :whole_to_date and inspection_date <= :to_date)))
            then 1 else 0 end as is_self_inspected,
        case when (
                -- the latest 主体责任 month in the window, one index probe per enterprise
                select case when r.has_principal and r.has_safety_director and r.has_safety_officer
                        and r.is_daily_control_done and r.is_weekly_check_done
                        and r.is_monthly_review_done and r.has_daily_list and r.has_weekly_report
                        and r.has_monthly_record then 1 else 0 end
                from responsibility as r
                where r.credit_code = e.credit_code
                    and r.month_date >= :from_month_date and r.month_date <= :to_date
                order by r.month_date desc
                limit 1) = 1
            then 1 else 0 end as is_three_three_three,
        case when e.is_large
            and e.credit_code in (select credit_code from valid_systems
                                  where system_type in ('HACCP', 'ISO22000'))
            and e.credit_code in (select credit_code from valid_systems
                                  where system_type = '智能化追溯体系')
            then 1 else 0 end as is_qms_traceable,
        case when sp.first_supplier_evaluation_date between :campaign_start_date and :as_of
            or sp.last_supplier_evaluation_date between :campaign_start_date and :as_of
            or (sp.first_supplier_evaluation_date < :campaign_start_date
                and sp.last_supplier_evaluation_date > :as_of
                and exists (
                    select 1 from supplier_evaluation as x
                    where x.credit_code = e.credit_code
                        and x.evaluation_date >= :campaign_start_date and x.evaluation_date <= :as_of))
            then 1 else 0 end as is_supplier_evaluated,
        case when sp.first_officer_exam_date between :campaign_start_date and :as_of
            or sp.last_officer_exam_date between :campaign_start_date and :as_of
            or (sp.first_officer_exam_date < :campaign_start_date
                and sp.last_officer_exam_date > :as_of
                and exists (
                    select 1 from officer_exam as x
                    where x.credit_code = e.credit_code
                        and x.exam_date >= :campaign_start_date and x.exam_date <= :as_of))
            then 1 else 0 end as is_officer_examined,
        case when sp.first_cadre_visit_date between :campaign_start_date and :as_of
            or sp.last_cadre_visit_date between :campaign_start_date and :as_of
            or (sp.first_cadre_visit_date < :campaign_start_date
                and sp.last_cadre_visit_date > :as_of
                and exists (
                    select 1 from cadre_visit as x
                    where x.credit_code = e.credit_code
                        and x.visit_date >= :campaign_start_date and x.visit_date <= :as_of))
            then 1 else 0 end as is_supervised
    from active_enterprises as e
    -- the table itself, not a CTE over it: SQLite probes its key per enterprise instead of copying all
    -- of it and indexing the copy (PostgreSQL inlined the CTE already: the same plan)
    left join rollup_enterprise_span as sp on sp.credit_code = e.credit_code
),

counts_by_own_unit as (
    select
        unit_id,
        count(*) as count_active,
        sum(is_large) as count_large_active,
        sum(is_self_inspected) as count_self_inspected,
        sum(is_three_three_three) as count_three_three_three,
        sum(is_qms_traceable) as count_qms_traceable,
        sum(is_supplier_evaluated) as count_supplier_evaluated,
        sum(is_officer_examined) as count_officer_examined,
        sum(is_supervised) as count_supervised
    from active_enterprise_flags
    group by unit_id
),

counts_by_report_unit as (
    select
        cu.report_unit_id as unit_id,
        sum(c.count_active) as count_active,
        sum(c.count_large_active) as count_large_active,
        sum(c.count_self_inspected) as count_self_inspected,
        sum(c.count_three_three_three) as count_three_three_three,
        sum(c.count_qms_traceable) as count_qms_traceable,
        sum(c.count_supplier_evaluated) as count_supplier_evaluated,
        sum(c.count_officer_examined) as count_officer_examined,
        sum(c.count_supervised) as count_supervised
    from covered_units as cu
    join counts_by_own_unit as c on c.unit_id = cu.unit_id
    group by cu.report_unit_id
),

final as (
    select unit_id, 'self_inspected' as count_key,
        count_self_inspected as numerator, count_active as denominator
    from counts_by_report_unit
    union all
    select unit_id, 'responsibility_done', count_three_three_three, count_active
    from counts_by_report_unit
    union all
    select unit_id, 'systems_held', count_qms_traceable, count_large_active
    from counts_by_report_unit
    union all
    select unit_id, 'suppliers_evaluated', count_supplier_evaluated, count_active
    from counts_by_report_unit
    union all
    select unit_id, 'officers_examined', count_officer_examined, count_active
    from counts_by_report_unit
    union all
    select unit_id, 'supervised', count_supervised, count_active
    from counts_by_report_unit
)

select * from final
