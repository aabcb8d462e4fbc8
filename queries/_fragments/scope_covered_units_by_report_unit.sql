-- report unit → every unit of its subtree that the viewer's scope reaches, for each
-- of report_unit_ids; needs the closure import CTE (org_unit_closure's ancestor_id, descendant_id)
select report.ancestor_id as report_unit_id, report.descendant_id as unit_id
from closure as report
join closure as scope
    on scope.descendant_id = report.descendant_id
    and scope.ancestor_id = :scope_unit_id
where report.ancestor_id in :report_unit_ids
