-- The majors each internship host's own surveys ask for (any survey year): with the crosswalk, what makes a
-- placement at that host relevant (docs/metrics.md "Relevance"). Only hosts of a base are kept,
-- so a survey of an enterprise without a base changes nothing downstream.
select distinct p.enterprise_id, unnest(p.major_codes) as major_code
from staging.survey_positions as p
semi join staging.bases as b using (enterprise_id)
order by all
