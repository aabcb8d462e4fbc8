-- every unit of unit_id's subtree that the viewer's scope reaches (the scope_unit_id
-- subtree); needs the closure import CTE (org_unit_closure's ancestor_id, descendant_id)
select report.descendant_id as unit_id
from closure as report
join closure as scope
    on scope.descendant_id = report.descendant_id
    and scope.ancestor_id = :scope_unit_id
where report.ancestor_id = :unit_id
