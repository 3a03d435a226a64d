-- GB/T 4754-2017 divisions; `pillar` groups them into the region's pillar industries.
select industry_code, section_code, section_name, industry_name, industry_name_en, pillar, pillar_name
from reference.industries
