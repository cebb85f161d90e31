"""Where a submission finishes among self-checks sent just before it, on a live server of its own.

    python -m bench.fairness [--runs 10] [--self-checks 60] [--delay-ms 10] [--workers 1]

Starts ``lsc serve`` on a SQLite file of its own (``bench.load``'s ``--serve``, unthrottled, 127.0.0.1 only).
Each run opens one keep-alive connection per request and warms it (``GET /readyz``), sends ``--self-checks``
self-checks of the small pack at once, then, ``--delay-ms`` later, a submission of a seed pack under a
capability of its own, and ranks the answers by when each was read in full. A self-check waits in its worker's
queue; a submission should not wait behind the self-checks queued after the one running when it came
(docs/performance.md, "Thirteenth round"). Prints the submission's place in each run and how many places
came out at each, and saves the same to ``bench/results/fairness.md``. Exit code 0 when every answer was 2xx,
1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.load import Packs, Result, make_client, self_check, self_check_pack, serve, submit
from bench.report import publish

OUTPUT = Path(__file__).parent / "results" / "fairness.md"


def one_run(url: str, token: str, packs: Packs, number: int, self_checks: int, delay: float) -> list[Result]:
    """Send the self-checks together and the submission ``delay`` seconds later; return every answer by its end."""
    clients = [make_client(url, token=token) for _ in range(self_checks + 1)]
    try:
        for client in clients:
            client.get("/readyz").raise_for_status()
        start = threading.Barrier(self_checks + 1)
        body = packs.self_check(0)
        capability, key, pack = packs.submission(0, number)

        def checked(client_number: int) -> Result:
            start.wait()
            return self_check(clients[client_number], body, client_number)

        def submitted() -> Result:
            start.wait()
            time.sleep(delay)
            return submit(clients[-1], capability, key, pack, self_checks)

        with ThreadPoolExecutor(self_checks + 1) as pool:
            futures = [pool.submit(checked, n) for n in range(self_checks)] + [pool.submit(submitted)]
            results = [future.result() for future in futures]
    finally:
        for client in clients:
            client.close()
    return sorted(results, key=lambda result: result.ended)


def place_of_submission(results: Sequence[Result]) -> int:
    """The submission's place among the answers, counted from 1 in the order they ended."""
    return next(place for place, result in enumerate(results, 1) if result.kind == "submission")


def report(places: Sequence[int], total: int, self_checks: int, delay_ms: float, workers: int) -> str:
    """The runs' places as a Markdown table, with the run that produced them."""
    counted = Counter(places)
    rows = "\n".join(f"| {place} | {counted[place]} |" for place in sorted(counted))
    return (
        f"A submission sent {delay_ms:g} ms after {self_checks} self-checks of the small pack, {len(places)} runs, "
        f"{workers} worker(s): its place among the {total} answers, in the order they ended.\n\n"
        f"Places, run by run: {', '.join(map(str, places))}\n\n"
        f"| place | runs |\n|---:|---:|\n{rows}\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the fairness benchmark and print its table; 0 when every answer was 2xx."""
    parser = argparse.ArgumentParser(prog="python -m bench.fairness", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--self-checks", type=int, default=60)
    parser.add_argument("--delay-ms", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    if args.runs < 1 or args.self_checks < 1 or args.delay_ms < 0 or args.workers < 1:
        parser.error("--runs, --self-checks and --workers must be at least 1, and --delay-ms at least 0")
    packs = Packs(uuid.uuid4().hex[:8], [self_check_pack("small")])
    places: list[int] = []
    failed: list[Result] = []
    with tempfile.TemporaryDirectory() as folder, serve("sqlite", args.workers, Path(folder)) as served:
        for number in range(args.runs):
            results = one_run(served.url, served.token, packs, number, args.self_checks, args.delay_ms / 1000)
            failed.extend(result for result in results if not result.ok)
            places.append(place_of_submission(results))
    publish(report(places, args.self_checks + 1, args.self_checks, args.delay_ms, args.workers), args.output)
    for result in failed[:10]:
        print(f"failed: {result.describe()}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
