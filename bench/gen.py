"""Generate valid evidence packs of a given size, reproducibly from a seed.

python -m bench.gen large --seed 7 -o large.json
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

SIZES: dict[str, dict[str, int]] = {
    "small": {"incidents": 10, "defects": 60, "performance": 12, "dmcs": 10},
    "medium": {"incidents": 1_000, "defects": 20_000, "performance": 120, "dmcs": 1_000},
    "large": {"incidents": 100_000, "defects": 200_000, "performance": 1_200, "dmcs": 100_000},
}
AS_AT = date(2021, 6, 15)


def _provenance(day: date) -> dict[str, str]:
    return {"source": "generated for benchmarking", "date": day.isoformat()}


def incidents(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """Return ``count`` incidents opened between mid-2019 and the as-at date, drawn from ``rng``."""
    start = datetime(2019, 6, 15, tzinfo=None)
    span = int((datetime.combine(AS_AT, datetime.min.time()) - start).total_seconds())
    made = []
    for number in range(count):
        opened = start + timedelta(seconds=rng.randrange(span))
        resolved = opened + timedelta(minutes=rng.randrange(5, 600))
        made.append(
            {
                "id": f"INC-{number:07d}",
                "category": rng.choices([1, 2, 3, 4, 5], weights=[1, 3, 20, 40, 36])[0],
                "service": rng.choice(["SMETS1", "SMETS2"]),
                "opened": opened.isoformat() + "Z",
                "resolved": resolved.isoformat() + "Z",
                "caused_by_capability": False,
                "provenance": _provenance(min(resolved.date(), AS_AT)),
            }
        )
    return made


def generate(size: str, seed: int = 1) -> dict[str, Any]:
    """Return a valid pack with the counts of the named size; the same seed gives the same pack."""
    counts = SIZES[size]
    rng = random.Random(seed)
    incident_records = incidents(counts["incidents"], rng)
    defects = [
        {
            "id": f"DEF-{number:07d}",
            "severity": rng.choices([1, 2, 3, 4], weights=[1, 4, 30, 65])[0],
            "status": "closed" if rng.random() < 0.995 else "open",
            "user_impact": rng.random() < 0.3,
            "phase_id": "PH-SIT",
            "fix_due": (AS_AT + timedelta(days=rng.randrange(1, 200))).isoformat(),
            "provenance": _provenance(AS_AT - timedelta(days=rng.randrange(1, 300))),
        }
        for number in range(counts["defects"])
    ]
    measures = max(1, counts["performance"] // 12)
    months = [(AS_AT.replace(day=1) - timedelta(days=31 * k)).strftime("%Y-%m") for k in range(1, 13)]
    performance = [
        {
            "id": f"PERF-{m:04d}-{month}",
            "measure": f"CPM{m + 1}",
            "month": month,
            "achieved": round(rng.uniform(97.5, 100.0), 2),
            "target": 99.0,
            "minimum": 96.0,
            "provenance": _provenance(date.fromisoformat(month + "-28")),
        }
        for m in range(measures)
        for month in months
    ][: counts["performance"]]
    dmcs = [
        {
            "id": f"DMC-{number:07d}",
            "name": f"Generated device model combination {number}",
            "installation_type": rng.choice(["active", "dormant"]),
            "meters": rng.randrange(10, 5000),
            "provenance": _provenance(AS_AT - timedelta(days=10)),
        }
        for number in range(counts["dmcs"])
    ]
    return {
        "schema_version": "1",
        "statement": {
            "capability": f"BENCH-{size.upper()}",
            "cohort": f"Generated {size} cohort",
            "submitted_by": "DCC",
            "date": AS_AT.isoformat(),
        },
        "scope": {"dmcs": dmcs, "exclusions": []},
        "testing": {
            "phases": [
                {
                    "id": "PH-SIT",
                    "name": "SIT",
                    "status": "complete",
                    "entry_criteria_met": True,
                    "exit_criteria_met": True,
                    "regression": True,
                    "executed": 5000,
                    "passed": 5000,
                    "completed_on": "2021-05-01",
                    "provenance": _provenance(date(2021, 5, 1)),
                }
            ],
            "defects": defects,
            "issues": [],
        },
        "migration": {
            "rehearsals": [
                {
                    "id": "REH-1",
                    "date": "2021-05-20",
                    "attempted": 5000,
                    "succeeded": 4990,
                    "provenance": _provenance(date(2021, 5, 21)),
                }
            ],
            "planned_daily_volume": 4000,
        },
        "incidents": incident_records,
        "performance": performance,
        "consumer_risks": [],
        "residual_risks": [],
        "security": {"recent_issues": []},
    }


def main() -> None:
    """Write a generated pack to a file."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("size", choices=sorted(SIZES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path, required=True)
    arguments = parser.parse_args()
    arguments.output.write_text(json.dumps(generate(arguments.size, arguments.seed)))


if __name__ == "__main__":
    main()
