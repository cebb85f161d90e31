"""Migration facts: the cohort in scope, the rehearsals, and whether they reached the planned daily volume."""

from __future__ import annotations

from lsc_engine.core.facts.base import Declared, Fact, FixedSection, about, count, reported_later

_REHEARSALS = ("migration.rehearsals",)
_VOLUME = ("migration.planned_daily_volume",)


class MigrationFacts(FixedSection):
    """Facts of the scope and migration sections; none changes with the date."""

    declared = (
        Declared("rehearsals", "number of migration rehearsals", _REHEARSALS),
        Declared("rehearsal_success_rate", "success rate (%) of the latest migration rehearsal", _REHEARSALS),
        Declared("rehearsal_largest_volume", "most migrations attempted in one rehearsal", _REHEARSALS),
        Declared("planned_daily_volume", "migrations planned per day", _VOLUME),
        Declared(
            "scale_shortfall", "how far the planned daily volume exceeds the largest rehearsal", _VOLUME + _REHEARSALS
        ),
        Declared("dmcs_in_scope", "DMCs in scope of the statement", ("scope.dmcs",)),
        Declared(
            "dmcs_reported_from",
            "when every DMC in the pack was stated after the as-at date: the date the first was",
            ("scope.dmcs",),
        ),
        Declared("exclusions", "parts of the cohort held back", ("scope.exclusions",)),
    )

    def derive(self) -> dict[str, Fact]:
        """Derive the migration facts from the scope and the rehearsals known."""
        dmcs = self.known.items(self.pack.scope.dmcs, "scope.dmcs")
        exclusions = self.known.items(self.pack.scope.exclusions, "scope.exclusions")
        # A statement with no DMC known at the date covered nothing anyone could assess yet.
        found = reported_later("dmcs_reported_from", self.pack.scope.dmcs, dmcs) or {"dmcs_in_scope": count(dmcs)}
        found["exclusions"] = count(exclusions)
        migration = self.pack.migration
        if migration is None:
            return found
        rehearsals = sorted(
            self.known.items(migration.rehearsals, "migration.rehearsals"), key=lambda r: (r.date, r.id)
        )
        found["rehearsals"] = count(rehearsals)
        largest = max(rehearsals, key=lambda r: r.attempted, default=None)
        if largest is not None:  # there was a rehearsal
            latest = rehearsals[-1]
            rate = 100.0 * latest.succeeded / latest.attempted if latest.attempted else 0.0
            found["rehearsal_success_rate"] = about(rate, [latest])
            found["rehearsal_largest_volume"] = about(largest.attempted, [largest])
        if migration.planned_daily_volume is not None:
            found["planned_daily_volume"] = Fact(migration.planned_daily_volume)
            if largest is not None:
                shortfall = max(0, migration.planned_daily_volume - largest.attempted)
                found["scale_shortfall"] = about(shortfall, [largest])
        return found
