select province_code, province_name, province_name_en
from reference.provinces
