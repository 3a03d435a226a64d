select
    major_code, major_name, major_name_en,
    discipline_code, discipline_name, class_code, class_name, level
from reference.majors
