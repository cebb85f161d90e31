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
from pathlib import Path

from bench.gen import generate, incidents
from lsc_engine.core.evidence import EvidencePack
from lsc_engine.spreadsheets import export

RESULTS = Path(__file__).parent / "results"

#: The process's own peak resident memory in KiB. Not ``ru_maxrss``, which on Linux keeps, across the exec of a
#: fresh interpreter, the peak of the benchmark process it was forked from.
PEAK = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])"

#: The process's resident memory in KiB now: taken once the code is loaded, so that growth is the reading's own.
NOW = "int(next(l for l in open('/proc/self/status') if l.startswith('VmRSS')).split()[1])"

#: Prints how long reading every row took, resident memory before reading and the peak, in KiB, and the rows.
FLOOR = """
import sys, time
from openpyxl import load_workbook
loaded = NOW
started = time.perf_counter()
book = load_workbook(sys.argv[1], read_only=True, data_only=True)
rows = sum(1 for title in book.sheetnames for _ in book[title].iter_rows(values_only=True))
print(time.perf_counter() - started, loaded, PEAK, rows)
""".replace("PEAK", PEAK).replace("NOW", NOW)

#: The same for building the pack; openpyxl is loaded first, as the floor loads it, so that growth compares.
IMPORT = """
import sys, time
from pathlib import Path
import openpyxl
from lsc_engine.spreadsheets import read_imported
loaded = NOW
started = time.perf_counter()
imported = read_imported(Path(sys.argv[1]))
print(time.perf_counter() - started, loaded, PEAK, len(imported.pack.incidents))
""".replace("PEAK", PEAK).replace("NOW", NOW)


def workbook(rows: int, seed: int, directory: Path) -> Path:
    """Write the small generated pack with ``rows`` incidents as a workbook."""
    document = generate("small", seed) | {"incidents": incidents(rows, random.Random(seed))}
    path = directory / f"incidents-{rows}.xlsx"
    path.write_bytes(export(EvidencePack.model_validate_json(json.dumps(document))))
    return path


def _run(script: str, path: Path) -> tuple[float, int, int]:
    """Run one measurement in a fresh process: seconds, peak resident MB, and its growth over the code loaded."""
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True)
    seconds, loaded, peak, _count = done.stdout.split()
    return float(seconds), int(peak) // 1024, (int(peak) - int(loaded)) // 1024


def measure(rows: int, repeat: int, seed: int) -> dict[str, float]:
    """Time the floor and the import ``repeat`` times each, alternating, in fresh processes."""
    with tempfile.TemporaryDirectory() as directory:
        path = workbook(rows, seed, Path(directory))
        floors, imports = [], []
        for _ in range(repeat):
            floors.append(_run(FLOOR, path))
            imports.append(_run(IMPORT, path))
        size = path.stat().st_size
    return {
        "rows": rows,
        "workbook MB": round(size / 1e6, 1),
        "floor s": statistics.median(t for t, _, _ in floors),
        "import s": statistics.median(t for t, _, _ in imports),
        "floor MB": max(m for _, m, _ in floors),
        "import MB": max(m for _, m, _ in imports),
        "floor growth MB": max(g for _, _, g in floors),
        "import growth MB": max(g for _, _, g in imports),
    }


def table(results: list[dict[str, float]]) -> str:
    """Render the measurements as a Markdown table with the import's ratios to the floor."""
    lines = [
        "| incident rows | workbook MB | openpyxl alone s | import s | time / openpyxl | openpyxl peak MB "
        "| import peak MB | openpyxl growth MB | import growth MB | growth / openpyxl |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['rows']:,.0f} | {r['workbook MB']} | {r['floor s']:.1f} | {r['import s']:.1f} "
            f"| {r['import s'] / r['floor s']:.2f} | {r['floor MB']:.0f} | {r['import MB']:.0f} "
            f"| {r['floor growth MB']:.0f} | {r['import growth MB']:.0f} "
            f"| {r['import growth MB'] / max(r['floor growth MB'], 1):.1f} |"
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
