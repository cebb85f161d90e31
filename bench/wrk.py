"""Self-check throughput measured with wrk, a C load generator that leaves the cores to the server.

    python -m bench.wrk [--pack small] [--connections 16] [--seconds 20] [--workers 2]

Starts ``lsc serve`` on a SQLite file of its own (through ``bench.load``'s ``--serve``, with a ``dcc`` token
and no rate limit), then runs ``wrk`` against ``POST /v1/self-check`` with the pack as the body on
127.0.0.1 only, and prints requests/s, latency percentiles and the count of non-2xx answers. The Python
load run (``bench.load``) spends about a millisecond of CPU per request on the same two cores, which caps
what it can measure; wrk spends a few microseconds. Needs Debian's ``wrk`` (``scripts/system-packages``).
Exit code 0 when every answer was 2xx, 1 otherwise, 2 when wrk is missing.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.load import self_check_pack, serve

SCRIPT = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
local file = io.open("{body}", "rb")
wrk.body = file:read("*a")
file:close()
"""


def parse(output: str) -> dict[str, str]:
    """Pick requests/s, the latency percentiles and the non-2xx count out of wrk's report."""
    figures = {"requests/s": re.search(r"Requests/sec:\s+([\d.]+)", output)}
    for percent in ("50", "90", "99"):
        figures[f"p{percent}"] = re.search(rf"^\s+{percent}%\s+(\S+)", output, re.MULTILINE)
    figures["non-2xx"] = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    figures["errors"] = re.search(r"Socket errors: (.*)", output)
    return {name: (found.group(1) if found else "0") for name, found in figures.items()}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the measurement; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m bench.wrk", description=__doc__)
    parser.add_argument("--pack", default="small", help="small, medium or large (bench.gen), or a JSON file")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    arguments = parser.parse_args(argv)
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed (scripts/system-packages installs it)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="lsc-wrk-") as folder:
        workdir = Path(folder)
        body = workdir / "pack.json"
        body.write_bytes(self_check_pack(arguments.pack))
        script = workdir / "self-check.lua"
        with serve("sqlite", arguments.workers, workdir) as served:
            script.write_text(SCRIPT.format(token=served.token, body=body))
            command = [
                wrk,
                "-t1",
                f"-c{arguments.connections}",
                f"-d{arguments.seconds}s",
                "--timeout",
                "60s",
                "--latency",
            ]
            command += ["-s", str(script), f"{served.url}/v1/self-check"]
            run = subprocess.run(command, capture_output=True, text=True, check=False)
    print(run.stdout)
    figures = parse(run.stdout)
    summary = ", ".join(f"{name} {value}" for name, value in figures.items())
    setup = f"{arguments.pack} pack, {arguments.workers} workers, {arguments.connections} connections"
    print(f"self-check ({setup}): {summary}")
    return 0 if run.returncode == 0 and figures["non-2xx"] == "0" else 1


if __name__ == "__main__":
    sys.exit(main())
