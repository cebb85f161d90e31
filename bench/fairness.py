"""Where a submission finishes among self-checks sent just before it, on a live server of its own.

    python -m bench.fairness [--runs 20] [--self-checks 60] [--delay-ms 10] [--workers 1]

Starts ``lsc serve`` on a SQLite file of its own (``bench.load``'s ``--serve``, unthrottled, 127.0.0.1 only).
Each run opens one connection per request and warms it (``GET /readyz``), writes ``--self-checks`` self-checks of
the small pack, one on each connection, then ``--delay-ms`` later a submission of a seed pack under a capability
of its own (at most a second later). The requests are written from prepared bytes on plain sockets, so that the
self-checks leave close together, not spread by an HTTP client's own work on the same cores; a thread reads the
answers as they come and notes when each was whole (answers read together are noted in the order read).

A worker takes its self-checks one at a time, and a submission is meant to wait only for the one running when it
came, and perhaps the one handed to a thread just before (docs/performance.md, "Thirteenth round"). Prints how
long writing the self-checks took, and run by run the submission's place among the answers and how many
self-checks were answered while it waited, with a count of the runs for each, and saves the same to
``bench/results/fairness.md``. Exit code 0 when every answer was 2xx, 1 otherwise.
"""

from __future__ import annotations

import argparse
import selectors
import socket
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.load import SELF_CHECK, SUBMISSION, Packs, local_url, self_check_pack, serve
from bench.report import publish

OUTPUT = Path(__file__).parent / "results" / "fairness.md"
#: How long a run may take before it is given up as hung.
DEADLINE_S = 120.0
#: The longest delay before the submission: its warmed connection must not have been closed as idle meanwhile.
MOST_DELAY_MS = 1000


@dataclass(frozen=True)
class Answer:
    """One answer of a run: what was asked, its status, and when it had been read in full."""

    kind: str
    status: int
    ended: float


def request(url: str, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    """An HTTP/1.1 request as bytes, ready to write."""
    host = httpx.URL(url).netloc.decode()
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def answered(buffer: bytes) -> int | None:
    """The status of the whole answer at the start of ``buffer``; None while part of it is still to come.

    Every answer of the service states its length; one that does not (chunked, or ended by closing the connection)
    is refused, for where it ends could not be told.
    """
    head, found, rest = buffer.partition(b"\r\n\r\n")
    if not found:
        return None
    status, *fields = head.decode("latin-1").split("\r\n")
    named = {name.strip().lower(): value.strip() for name, _, value in (field.partition(":") for field in fields)}
    if "content-length" not in named or "transfer-encoding" in named:
        raise ValueError(f"an answer without a Content-Length cannot be timed: {status}")
    return int(status.split()[1]) if len(rest) >= int(named["content-length"]) else None


@dataclass(frozen=True)
class Run:
    """A run's answers in the order they ended, and when the submission was written."""

    answers: list[Answer]
    #: When the first self-check began to be written, and when the last had been.
    writing: tuple[float, float]
    submitted: float

    @property
    def place(self) -> int:
        """The submission's place among the answers, counted from 1 in the order they ended."""
        return next(place for place, answer in enumerate(self.answers, 1) if answer.kind == SUBMISSION)

    @property
    def spread(self) -> float:
        """How long writing the self-checks took, in seconds."""
        return self.writing[1] - self.writing[0]

    @property
    def overtaken(self) -> int:
        """How many self-checks were answered while the submission waited for its answer."""
        ended = self.answers[self.place - 1].ended
        return sum(1 for answer in self.answers if answer.kind == SELF_CHECK and self.submitted < answer.ended < ended)


def one_run(url: str, token: str, packs: Packs, number: int, self_checks: int, delay: float) -> Run:
    """Write the self-checks together and the submission ``delay`` seconds later; return the run's answers."""
    parsed = httpx.URL(local_url(url))
    authorised = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    checks = request(url, "POST", "/v1/self-check", authorised, packs.self_check(0))
    _, key, pack = packs.submission(0, number)
    submission = request(url, "POST", "/v1/submissions", {**authorised, "Idempotency-Key": key}, pack)
    address = (parsed.host, parsed.port or 80)
    connections = [socket.create_connection(address, timeout=DEADLINE_S) for _ in range(self_checks + 1)]
    try:
        ready = request(url, "GET", "/readyz", {})
        for connection in connections:
            connection.sendall(ready)
        _read_all(connections, ["warm-up"] * len(connections))
        with ThreadPoolExecutor(1) as reader:  # answers are read, and timed, as they come
            answers = reader.submit(_read_all, connections, [SELF_CHECK] * self_checks + [SUBMISSION])
            began = time.monotonic()
            for connection in connections[:-1]:
                connection.sendall(checks)
            written = time.monotonic()
            time.sleep(delay)
            submitted = time.monotonic()
            connections[-1].sendall(submission)
            return Run(answers.result(), (began, written), submitted)
    finally:
        for connection in connections:
            connection.close()


def _read_all(connections: Sequence[socket.socket], kinds: Sequence[str]) -> list[Answer]:
    """Read every connection's answer, noting when each was whole."""
    answers: list[Answer] = []
    buffers = {connection: b"" for connection in connections}
    kind_of = dict(zip(connections, kinds, strict=True))
    deadline = time.monotonic() + DEADLINE_S
    with selectors.DefaultSelector() as selector:
        for index, connection in enumerate(connections):
            selector.register(connection, selectors.EVENT_READ, index)
        while len(answers) < len(connections):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(connections) - len(answers)} answers were not read in {DEADLINE_S:g} s")
            for ready, _ in selector.select(timeout=1.0):
                connection = connections[ready.data]
                chunk = connection.recv(65536)
                if not chunk:
                    raise ConnectionError("the server closed a connection before answering")
                buffers[connection] += chunk
                if (status := answered(buffers[connection])) is not None:
                    answers.append(Answer(kind_of[connection], status, time.monotonic()))
                    selector.unregister(connection)
    return answers


def report(runs: Sequence[Run], self_checks: int, delay_ms: float, workers: int) -> str:
    """The runs as a Markdown table, with how they were made."""
    counted = Counter(run.overtaken for run in runs)
    rows = "\n".join(f"| {overtaken} | {counted[overtaken]} |" for overtaken in sorted(counted))
    return (
        f"A submission sent {delay_ms:g} ms after {self_checks} self-checks of the small pack, {len(runs)} runs, "
        f"{workers} worker(s). Writing the self-checks took at most {max(run.spread for run in runs) * 1000:.1f} ms "
        f"in a run.\n\n"
        f"The submission's place among the {self_checks + 1} answers, in the order they ended, run by run: "
        f"{', '.join(str(run.place) for run in runs)}\n\n"
        f"Self-checks answered while the submission waited, run by run: "
        f"{', '.join(str(run.overtaken) for run in runs)}\n\n"
        f"| self-checks answered while the submission waited | runs |\n|---:|---:|\n{rows}\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the fairness benchmark and print its table; 0 when every answer was 2xx."""
    parser = argparse.ArgumentParser(prog="python -m bench.fairness", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--self-checks", type=int, default=60)
    parser.add_argument("--delay-ms", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    if args.runs < 1 or args.self_checks < 1 or args.workers < 1 or not 0 <= args.delay_ms <= MOST_DELAY_MS:
        parser.error(f"--runs, --self-checks and --workers must be at least 1, and --delay-ms 0 to {MOST_DELAY_MS}")
    packs = Packs(uuid.uuid4().hex[:8], [self_check_pack("small")])
    runs: list[Run] = []
    failed: list[Answer] = []
    with tempfile.TemporaryDirectory() as folder, serve("sqlite", args.workers, Path(folder)) as served:
        for number in range(args.runs):
            run = one_run(served.url, served.token, packs, number, args.self_checks, args.delay_ms / 1000)
            failed.extend(answer for answer in run.answers if not 200 <= answer.status < 300)
            runs.append(run)
    publish(report(runs, args.self_checks, args.delay_ms, args.workers), args.output)
    for answer in failed[:10]:
        print(f"failed: a {answer.kind} answered {answer.status}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
