-- the active subjects (在产) of a measure's population, with their unit and grades: large_only 1
-- keeps the 规上 ones, all_subject_types 0 keeps those whose subject_type is in subject_types
-- (dashboard.figures.measures.Measure._population_params binds the three)
select credit_code, unit_id, risk_grade, credit_grade
from enterprise
where status = '在产'
    and (:large_only = 0 or is_large)
    and (:all_subject_types = 1 or subject_type in :subject_types)
