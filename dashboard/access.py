"""What one viewer may read, as SQL: the role's scope (docs/deploy.md "Accounts and roles", DESIGN.md "Portal
state") turned into the WHERE fragments every query of the catalogue (queries.py) carries, with the scope's
values bound.

`Access` is derived from the signed-in account on every run (auth.access), never from a widget or the URL, and
every catalogue function takes it as its first argument. The fragments are the same text for every viewer;
only their bound values differ, so the scope is part of each cached result's key and no page, URL query
parameter, widget value or download can widen it: a page that asks for another university's bases, or a
province outside the viewer's, gets no rows.

- data staff: everything.
- education: one province (every row of it and of its cities) or the whole region; aggregates only (the
  marts hold no student-level rows, and the data page with the quarantine is the data staff's).
- university: its own majors, bases, placements and pairings; every place's aggregates.
- enterprise: its own bases, interns and pairing suggestions; every place's aggregates.
- not signed in: the aggregates of the region and its provinces, nothing about one university or enterprise.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.portal_state import DATA_STAFF, EDUCATION, ENTERPRISE, REGION, UNIVERSITY, Viewer

#: how far a viewer's rows about universities, enterprises and places reach (`Access.reach`)
EVERYTHING, ONE_PROVINCE, OWN, PUBLIC = "everything", "province", "own", "public"


@dataclass(frozen=True)
class Access:
    """One viewer's scope: everything, one province, one university, one enterprise, or the public's."""

    reach: str = PUBLIC
    province: str | None = None  # ONE_PROVINCE: the province's Chinese name
    university_code: str | None = None  # OWN: a university's code
    enterprise_id: str | None = None  # OWN: an enterprise's unified social credit code
    audit: bool = False  # the audit tables (load log, quarantined rows, rejected files, checks): data staff only

    @classmethod
    def of(cls, viewer: Viewer) -> Access:
        if viewer.role == DATA_STAFF:
            return cls(EVERYTHING, audit=True)
        if viewer.role == EDUCATION and viewer.scope == REGION:
            return cls(EVERYTHING)
        if viewer.role == EDUCATION and viewer.scope:
            return cls(ONE_PROVINCE, province=viewer.scope)
        if viewer.role == UNIVERSITY and viewer.scope:
            return cls(OWN, university_code=viewer.scope)
        if viewer.role == ENTERPRISE and viewer.scope:
            return cls(OWN, enterprise_id=viewer.scope)
        return cls(PUBLIC)  # nobody signed in, or an account without a scope: the public's view

    @property
    def sees_region(self) -> bool:
        """Whether the region and every province are choices (not for an education department of one)."""
        return self.reach != ONE_PROVINCE

    @property
    def sees_cities(self) -> bool:
        """Whether city-level figures are readable (the public sees the region and its provinces only)."""
        return self.reach != PUBLIC

    # --- the fragments --------------------------------------------------------------------------------------
    def places(self, level_column: str, geography_column: str) -> tuple[str, tuple]:
        """Rows keyed by (geography_level, geography) that this viewer sees: for one province, the province and
        its cities; for the public, the region and the provinces; else all."""
        sql = (f"(? IN ('{EVERYTHING}', '{OWN}')"
               f" OR (? = '{PUBLIC}' AND {level_column} IN ('region', 'province'))"
               f" OR (? = '{ONE_PROVINCE}' AND (({level_column} = 'province' AND {geography_column} = ?)"
               f" OR ({level_column} = 'city' AND {geography_column} IN"
               f" (SELECT city_name FROM dims.city WHERE province_name = ?)))))")
        return sql, (self.reach, self.reach, self.reach, self.province, self.province)

    def parties(self, province_column: str, university_column: str = "NULL",
                enterprise_column: str = "NULL") -> tuple[str, tuple]:
        """Rows about a university, an enterprise or a pair of them (a base, a pairing) that this viewer sees:
        all; those of one province; or those naming the viewer's own university or enterprise."""
        sql = (f"(? = '{EVERYTHING}' OR (? = '{ONE_PROVINCE}' AND {province_column} = ?)"
               f" OR {university_column} = ? OR {enterprise_column} = ?)")
        return sql, (self.reach, self.reach, self.province, self.university_code, self.enterprise_id)

    def universities(self) -> tuple[str, tuple]:
        """A subquery of the university codes whose own rows (majors, placements, coverage) this viewer sees."""
        where, params = self.parties("province_name", university_column="university_code")
        return f"(SELECT university_code FROM dims.university WHERE {where})", params

    def enterprises(self) -> tuple[str, tuple]:
        """A subquery of the enterprises whose own rows (bases, interns, suggestions) this viewer sees."""
        where, params = self.parties("province_name", enterprise_column="enterprise_id")
        return f"(SELECT enterprise_id FROM dims.enterprise WHERE {where})", params

    def staff_only(self) -> tuple[str, tuple]:
        """The audit tables: file names, quarantined rows and their reasons are the data staff's."""
        return "(? = TRUE)", (self.audit,)
