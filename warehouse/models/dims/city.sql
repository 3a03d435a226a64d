-- Cities with approximate coordinates, for charts that place cities without map tiles.
select city_code, city_name, city_name_en, province_code, province_name, latitude, longitude
from reference.cities
