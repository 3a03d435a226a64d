"""The source kinds in load order (bases before placements, which are checked against them)."""

from sources.bases import BASES
from sources.catalogue import CATALOGUE
from sources.placements import PLACEMENTS
from sources.schema import SourceKind
from sources.survey import SURVEY

KINDS: dict[str, SourceKind] = {k.name: k for k in (CATALOGUE, SURVEY, BASES, PLACEMENTS)}
