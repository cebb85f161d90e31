"""Importing incidents from a workbook, against reading the same workbook with openpyxl alone.

python -m bench.imports --rows 100000 --repeat 3      # writes bench/results/imports.md

Each measurement runs in a fresh process, so that its peak resident memory is its own: the floor reads every
row of every sheet with openpyxl in read-only mode and does nothing with them; the import builds the pack
(``lsc_engine.spreadsheets.read_imported``), which reads the same rows, turns each cell into its field's value,
and validates the pack. The ratios say what the import costs over the reading it cannot avoid.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.gen import generate
from lsc_engine.core.evidence import EvidencePack
from lsc_engine.spreadsheets import export

RESULTS = Path(__file__).parent / "results"

#: The process's own peak resident memory in KiB. Not ``ru_maxrss``, which on Linux keeps, across the exec of a
#: fresh interpreter, the peak of the benchmark process it was forked from.
PEAK = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])"

#: Prints how long reading every row took and the process's peak resident memory, in KiB.
FLOOR = """
import sys, time
from openpyxl import load_workbook
started = time.perf_counter()
book = load_workbook(sys.argv[1], read_only=True, data_only=True)
rows = sum(1 for title in book.sheetnames for _ in book[title].iter_rows(values_only=True))
print(time.perf_counter() - started, PEAK, rows)
""".replace("PEAK", PEAK)

IMPORT = """
import sys, time
from pathlib import Path
from lsc_engine.spreadsheets import read_imported
started = time.perf_counter()
imported = read_imported(Path(sys.argv[1]))
print(time.perf_counter() - started, PEAK, len(imported.pack.incidents))
""".replace("PEAK", PEAK)


def incidents(count: int, seed: int) -> list[dict[str, Any]]:
    """Generate ``count`` incidents, the same for the same seed."""
    rng = random.Random(seed)
    start = datetime(2019, 6, 15)
    made = []
    for number in range(count):
        opened = start + timedelta(seconds=rng.randrange(60 * 60 * 24 * 700))
        resolved = opened + timedelta(minutes=rng.randrange(5, 600))
        made.append(
            {
                "id": f"INC-{number:07d}",
                "category": rng.choices([1, 2, 3, 4, 5], weights=[1, 3, 20, 40, 36])[0],
                "service": rng.choice(["SMETS1", "SMETS2"]),
                "opened": opened.isoformat() + "Z",
                "resolved": resolved.isoformat() + "Z",
                "summary": f"Service degradation {number}",
                "provenance": {"source": "generated for benchmarking", "date": "2021-06-15"},
            }
        )
    return made


def workbook(rows: int, seed: int, directory: Path) -> Path:
    """Write the small generated pack with ``rows`` incidents as a workbook."""
    document = generate("small", seed) | {"incidents": incidents(rows, seed)}
    path = directory / f"incidents-{rows}.xlsx"
    path.write_bytes(export(EvidencePack.model_validate_json(json.dumps(document))))
    return path


def _run(script: str, path: Path) -> tuple[float, int]:
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True)
    seconds, resident, _count = done.stdout.split()
    return float(seconds), int(resident) // 1024


def measure(rows: int, repeat: int, seed: int) -> dict[str, object]:
    """Time the floor and the import ``repeat`` times each, alternating, in fresh processes."""
    with tempfile.TemporaryDirectory() as directory:
        path = workbook(rows, seed, Path(directory))
        floors, imports = [], []
        for _ in range(repeat):
            floors.append(_run(FLOOR, path))
            imports.append(_run(IMPORT, path))
        size = path.stat().st_size
    floor_s = statistics.median(t for t, _ in floors)
    import_s = statistics.median(t for t, _ in imports)
    floor_mb = max(m for _, m in floors)
    import_mb = max(m for _, m in imports)
    return {
        "rows": rows,
        "workbook MB": round(size / 1e6, 1),
        "floor s": floor_s,
        "import s": import_s,
        "floor MB": floor_mb,
        "import MB": import_mb,
    }


def table(results: list[dict[str, object]]) -> str:
    """Render the measurements as a Markdown table with the import's ratios to the floor."""
    lines = [
        "| incident rows | workbook MB | openpyxl alone s | import s | time / openpyxl | openpyxl peak MB "
        "| import peak MB | memory / openpyxl |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        floor_s, import_s = float(str(r["floor s"])), float(str(r["import s"]))
        floor_mb, import_mb = int(str(r["floor MB"])), int(str(r["import MB"]))
        lines.append(
            f"| {r['rows']} | {r['workbook MB']} | {floor_s:.2f} | {import_s:.2f} | {import_s / floor_s:.2f} "
            f"| {floor_mb} | {import_mb} | {import_mb / floor_mb:.2f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Measure and print the table, and keep it in bench/results/imports.md."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    text = table([measure(rows, options.repeat, options.seed) for rows in options.rows])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "imports.md").write_text(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
