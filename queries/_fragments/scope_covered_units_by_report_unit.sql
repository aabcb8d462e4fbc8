-- report unit → every unit of its subtree that the viewer's scope reaches, for each
-- of report_unit_ids; with own_only 1, the report unit itself only (when the scope reaches it):
-- dashboard.figures.stored adds a unit's own count to its children's stored ones;
-- needs the closure import CTE (org_unit_closure's ancestor_id, descendant_id)
select report.ancestor_id as report_unit_id, report.descendant_id as unit_id
from closure as report
join closure as scope
    on scope.descendant_id = report.descendant_id
    and scope.ancestor_id = :scope_unit_id
where report.ancestor_id in :report_unit_ids
    and (:own_only = 0 or report.descendant_id = report.ancestor_id)
