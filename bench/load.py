"""A bounded load run against the service: mixed self-checks and submissions, then a stored-once check.

Against a server already running on this machine (only http(s)://127.0.0.1 targets are accepted)::

    python -m bench.load --url http://127.0.0.1:8000 --clients 32 --seconds 60

Or let it start its own ``lsc serve`` and database, both removed afterwards: a throwaway PostgreSQL
(scripts/pg_throwaway.sh with an env file of its own) or a SQLite file in a temporary directory. It then
creates a ``dcc`` token with ``lsc tokens create`` on that database, and switches the per-token rate limit
off (``LSC_RATE_LIMIT_PER_MINUTE=0``) for that server::

    python -m bench.load --serve postgresql --clients 32 --seconds 60 --workers 2
    python -m bench.load --serve sqlite --clients 8 --seconds 20
    python -m bench.load --serve sqlite --mix self-check --clients 16 --seconds 20 --workers 2

Each client is a thread with its own ``httpx.Client`` (one keep-alive connection, no proxies from the
environment) sending its next request as soon as the last one is answered. With ``--mix mixed`` (the
default) about 3 in 4 requests are self-checks (``POST /v1/self-check`` with the seed packs
``fixtures/seed-moc-*.json``, in turn) and 1 in 4 a submission (``POST /v1/submissions`` of a seed pack
renamed to a capability of its own, with an ``Idempotency-Key`` of its own; a connection error is retried
once with the same key). The run stops by
itself after ``--seconds`` or ``--max-requests`` requests (retries included), whichever comes first;
requests in flight then finish. A request's latency runs from just before it is sent until its whole
response body has been read; the percentiles of a kind cover every request of that kind, whatever its
outcome. An error is any answer other than 2xx, or a connection error or timeout.

Then every acknowledged submission (a 2xx with a submission id) is looked up by its capability
(``GET /v1/submissions?capability=``): it must be stored exactly once, as version 1, under the id it was
acknowledged with; a submission never acknowledged must be stored at most once.

With ``--mix self-check`` every request is a self-check (what the service's throughput target is stated
for), and there is nothing to look up afterwards.

With ``--serve``, the audit chain is then verified on the server's database (``lsc audit verify``: every
entry's hash, its link to the one before, and every record's digest recomputed): it must be intact.

Prints, and ``run_load`` / ``verify_stored_once`` / ``verify_chain`` return: requests, requests/s,
p50/p90/p99 latency per kind, errors, the stored-once check and the chain check. Exit code 0 when there
was no error and the checks hold, 1 otherwise, 2 for bad usage.

Against a server of your own, give a ``dcc`` token in ``LSC_LOAD_TOKEN`` (or ``--token``; in code, ``token=``);
every request carries ``Authorization: Bearer TOKEN``.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEEDS = ("seed-moc-mds-2020-03.json", "seed-moc-secure-2020-08.json")
TOKEN_ENV = "LSC_LOAD_TOKEN"
ALLOWED_HOST = "127.0.0.1"

SELF_CHECK = "self-check"
SUBMISSION = "submission"
KINDS = (SELF_CHECK, SUBMISSION)
MIXES = {"mixed": 3, SELF_CHECK: None}  # self-checks per submission; None: self-checks only

DEFAULT_MAX_REQUESTS = 200_000
DEFAULT_TIMEOUT = 60.0
CONNECTION_ERROR_PAUSE = 0.1


def local_url(url: str) -> str:
    """Return the URL without a trailing slash, refusing any host but 127.0.0.1 (and any path or query)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise ValueError(f"not a URL: {url!r} ({error})") from None
    if parsed.scheme not in ("http", "https"):
        raise ValueError(f"only http(s) URLs are allowed, not {url!r}")
    if parsed.host != ALLOWED_HOST:
        raise ValueError(f"only {ALLOWED_HOST} is allowed as a target, not {parsed.host or '(none)'!r}")
    if parsed.path not in ("", "/") or parsed.query or parsed.userinfo:
        raise ValueError(f"give the server's base URL only, e.g. http://{ALLOWED_HOST}:8000, not {url!r}")
    return str(parsed.copy_with(path="")).rstrip("/")


def auth_headers(token: str | None) -> dict[str, str]:
    """Return the headers that authenticate a request (none while there is no token)."""
    return {"Authorization": f"Bearer {token}"} if token else {}


def make_client(url: str, *, token: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> httpx.Client:
    """Return a client for a 127.0.0.1 server: no proxies or netrc from the environment, one connection."""
    return httpx.Client(
        base_url=local_url(url),
        timeout=timeout,
        trust_env=False,
        follow_redirects=False,
        headers=auth_headers(token),
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
    )


@dataclass(frozen=True)
class Result:
    """One request and what came of it (``status`` None: the connection failed or timed out)."""

    kind: str
    client: int
    began: float  # time.monotonic() just before sending
    ended: float  # time.monotonic() once the whole answer was read (or the request failed)
    status: int | None
    code: str | None = None  # the error body's "code" for an answer other than 2xx
    error: str | None = None  # what went wrong, for people
    capability: str | None = None
    key: str | None = None
    submission_id: str | None = None
    replayed: bool | None = None
    attempt: int = 1

    @property
    def seconds(self) -> float:
        """Return the request's latency."""
        return self.ended - self.began

    @property
    def ok(self) -> bool:
        """Tell whether the answer was a 2xx."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def acknowledged(self) -> bool:
        """Tell whether this is a submission the server said it stored."""
        return self.kind == SUBMISSION and self.ok and self.submission_id is not None

    def describe(self) -> str:
        """Return a one-line account of the request, for error listings."""
        what = f"{self.kind} {self.capability or ''}".strip()
        status = "no answer" if self.status is None else str(self.status)
        return f"{what} (attempt {self.attempt}): {status} {self.code or ''} {self.error or ''}".rstrip()


def percentile(values: Sequence[float], fraction: float) -> float:
    """Return the nearest-rank percentile (0 < fraction <= 1) of some values, NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass(frozen=True)
class KindFigures:
    """Counts and latency percentiles (seconds) of one kind of request."""

    kind: str
    requests: int
    errors: int
    p50: float
    p90: float
    p99: float
    max: float

    @classmethod
    def of(cls, kind: str, results: Sequence[Result]) -> KindFigures:
        """Summarise the results of one kind."""
        latencies = [result.seconds for result in results]
        return cls(
            kind=kind,
            requests=len(results),
            errors=sum(not result.ok for result in results),
            p50=percentile(latencies, 0.50),
            p90=percentile(latencies, 0.90),
            p99=percentile(latencies, 0.99),
            max=max(latencies, default=math.nan),
        )

    def row(self) -> str:
        """Return the figures as a table row (milliseconds)."""
        ms = [f"{1000 * value:9.1f}" for value in (self.p50, self.p90, self.p99, self.max)]
        return f"{self.kind:<12} {self.requests:>9} {self.errors:>7} {' '.join(ms)}"


@dataclass
class LoadReport:
    """Everything one load run did."""

    url: str
    clients: int
    planned_seconds: float
    seconds: float
    stopped_by: str
    run_id: str
    results: list[Result] = field(default_factory=list)
    client_cpu_seconds: float = math.nan  # CPU this process (the load generator) used during the run

    @property
    def requests(self) -> int:
        """Return how many requests were sent (retries included)."""
        return len(self.results)

    @property
    def rate(self) -> float:
        """Return requests per second over the whole run (its tail of in-flight requests included)."""
        return self.requests / self.seconds if self.seconds > 0 else math.nan

    @property
    def failures(self) -> list[Result]:
        """Return every request that was not answered with a 2xx."""
        return [result for result in self.results if not result.ok]

    @property
    def errors(self) -> int:
        """Return how many requests failed (non-2xx, connection error or timeout)."""
        return len(self.failures)

    def figures(self) -> list[KindFigures]:
        """Return the figures per kind, then for all requests."""
        rows = [KindFigures.of(kind, [r for r in self.results if r.kind == kind]) for kind in KINDS]
        return [*rows, KindFigures.of("all", self.results)]

    def acknowledged(self) -> dict[str, set[str]]:
        """Return the submission ids each capability was acknowledged with (one each, if all is well)."""
        ids: dict[str, set[str]] = defaultdict(set)
        for result in self.results:
            if result.acknowledged and result.capability is not None and result.submission_id is not None:
                ids[result.capability].add(result.submission_id)
        return dict(ids)

    def unacknowledged(self) -> list[str]:
        """Return the capabilities submitted but never acknowledged (their fate is unknown to the client)."""
        done = self.acknowledged()
        attempted = {r.capability for r in self.results if r.kind == SUBMISSION and r.capability is not None}
        return sorted(attempted - set(done))

    def summary(self) -> str:
        """Return the report as printable text."""
        lines = [
            f"load: {self.clients} clients against {self.url} for {self.planned_seconds:g} s "
            f"(stopped by {self.stopped_by})",
            f"requests: {self.requests} in {self.seconds:.2f} s = {self.rate:.1f} requests/s; errors: {self.errors}",
            f"load generator CPU: {self.client_cpu_seconds:.1f} s over {self.seconds:.1f} s of wall time "
            f"(it shares the machine with the server)",
            f"{'kind':<12} {'requests':>9} {'errors':>7} {'p50 ms':>9} {'p90 ms':>9} {'p99 ms':>9} {'max ms':>9}",
            *(figures.row() for figures in self.figures()),
            f"submissions acknowledged: {len(self.acknowledged())}, never acknowledged: {len(self.unacknowledged())}",
        ]
        errors: dict[str, int] = defaultdict(int)
        for failure in self.failures:
            errors[f"{failure.kind} {failure.status or 'no answer'} {failure.code or failure.error or ''}"[:160]] += 1
        lines += [f"  error x{count}: {what}" for what, count in sorted(errors.items(), key=lambda item: -item[1])]
        return "\n".join(lines)


class Packs:
    """The request bodies: the seed packs as they are for self-checks, renamed for submissions."""

    def __init__(self, run: str, self_check_bodies: Sequence[bytes] = ()) -> None:
        """Load the seed packs; ``run`` makes this run's capabilities and keys unique.

        ``self_check_bodies``, when given, are sent as self-checks instead of the seed packs.
        """
        self.run = run
        self.documents: list[dict[str, Any]] = [json.loads((FIXTURES / name).read_text()) for name in SEEDS]
        self.self_check_bodies = list(self_check_bodies) or [
            json.dumps(document).encode() for document in self.documents
        ]

    def self_check(self, number: int) -> bytes:
        """Return the body of a self-check, the seeds in turn."""
        return self.self_check_bodies[number % len(self.self_check_bodies)]

    def submission(self, client: int, number: int) -> tuple[str, str, bytes]:
        """Return (capability, Idempotency-Key, body) for a client's numbered submission."""
        capability = f"LOAD-{self.run}-{client:03d}-{number:06d}"
        document = self.documents[(client + number) % len(self.documents)]
        statement = {**document["statement"], "capability": capability}
        body = json.dumps({**document, "statement": statement}).encode()
        return capability, f"load-{self.run}-{client:03d}-{number:06d}", body

    def submission_of(self, capability: str) -> tuple[str, str, bytes]:
        """Return (capability, Idempotency-Key, body) again for a capability this run submitted, to retry it."""
        prefix, run, client, number = capability.rsplit("-", 3)
        if prefix != "LOAD" or run != self.run:
            raise ValueError(f"{capability} was not submitted by run {self.run}")
        return self.submission(int(client), int(number))


def _error_code(answer: httpx.Response) -> tuple[str | None, str]:
    """Return the error body's code and message (the service's errors are {code, message, details})."""
    try:
        body = answer.json()
    except ValueError:
        return None, answer.text[:200]
    if isinstance(body, dict):
        code = body.get("code")
        return (code if isinstance(code, str) else None), str(body.get("message", ""))[:200]
    return None, answer.text[:200]


def self_check(client: httpx.Client, body: bytes, client_number: int = 0) -> Result:
    """POST /v1/self-check and time it."""
    began = time.monotonic()
    try:
        answer = client.post("/v1/self-check", content=body, headers={"Content-Type": "application/json"})
    except httpx.HTTPError as error:
        return Result(SELF_CHECK, client_number, began, time.monotonic(), None, error=_describe(error))
    ended = time.monotonic()
    if 200 <= answer.status_code < 300:
        return Result(SELF_CHECK, client_number, began, ended, answer.status_code)
    code, message = _error_code(answer)
    return Result(SELF_CHECK, client_number, began, ended, answer.status_code, code=code, error=message)


def submit(
    client: httpx.Client, capability: str, key: str, body: bytes, client_number: int = 0, attempt: int = 1
) -> Result:
    """POST /v1/submissions once with an Idempotency-Key and time it (the load retries a connection error once)."""
    headers = {"Content-Type": "application/json", "Idempotency-Key": key}
    code: str | None = None
    message: str | None = None
    began = time.monotonic()
    try:
        answer = client.post("/v1/submissions", content=body, headers=headers)
    except httpx.HTTPError as error:
        ended, status, message = time.monotonic(), None, _describe(error)
    else:
        ended, status = time.monotonic(), answer.status_code
        code, message = _error_code(answer) if not 200 <= status < 300 else (None, None)
    sent = Result(SUBMISSION, client_number, began, ended, status, code, message, capability, key, attempt=attempt)
    if not sent.ok:
        return sent
    try:
        document = answer.json()
        submission_id, replayed = str(document["submission"]["id"]), bool(document["replayed"])
    except (ValueError, KeyError, TypeError) as error:
        return replace(sent, status=None, code="bad_answer", error=f"a {status} without a submission id: {error!r}")
    return replace(sent, submission_id=submission_id, replayed=replayed)


def _describe(error: httpx.HTTPError) -> str:
    return f"{type(error).__name__}: {error}"[:200]


class _Budget:
    """A hard cap on requests shared by every client, and the time they stop."""

    def __init__(self, max_requests: int, deadline: float, stop: threading.Event | None) -> None:
        self._left = max_requests
        self._lock = threading.Lock()
        self.deadline = deadline
        self.stop = stop or threading.Event()
        self.stopped_by = "time"

    def take(self, *, retry: bool = False) -> bool:
        """Take one request from the budget; False when the run is over (a retry ignores only the clock)."""
        with self._lock:
            if self._left <= 0:
                self.stopped_by = "the request cap"
                return False
            if not retry and self.stop.is_set():
                self.stopped_by = "the stop event"
                return False
            if not retry and time.monotonic() >= self.deadline:
                return False
            self._left -= 1
            return True


def run_load(
    url: str,
    *,
    clients: int = 32,
    seconds: float = 60.0,
    max_requests: int = DEFAULT_MAX_REQUESTS,
    self_checks_per_submission: int | None = 3,
    token: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    stop: threading.Event | None = None,
    observe: Callable[[Result], None] | None = None,
    run_id: str | None = None,
    self_check_bodies: Sequence[bytes] = (),
) -> LoadReport:
    """Run ``clients`` closed-loop clients for ``seconds`` (or until ``stop`` is set, or the cap) and report.

    Every ``self_checks_per_submission + 1``-th request of a client is a submission (staggered across
    clients); the others are self-checks (all of them when ``self_checks_per_submission`` is None). ``token``
    is sent as a bearer token when given. ``observe`` is called with every result as it comes in, on the
    client's thread (keep it quick). ``self_check_bodies`` replace the seed packs as self-checks.
    """
    url = local_url(url)
    if clients < 1 or seconds <= 0 or max_requests < 1 or (self_checks_per_submission or 0) < 0:
        raise ValueError("clients, seconds and max_requests must be positive, self_checks_per_submission >= 0")
    packs = Packs(run_id or uuid.uuid4().hex[:8], self_check_bodies)
    cycle = None if self_checks_per_submission is None else self_checks_per_submission + 1
    results: list[list[Result]] = [[] for _ in range(clients)]

    def record(mine: list[Result], result: Result) -> Result:
        mine.append(result)
        if observe is not None:
            observe(result)
        return result

    ready = threading.Barrier(clients + 1)
    budget = _Budget(max_requests, math.inf, stop)

    def client_loop(number: int) -> None:
        mine = results[number]
        with make_client(url, token=token, timeout=timeout) as client:
            ready.wait()
            for sent in itertools.count():
                if not budget.take():
                    return
                if cycle is not None and (sent + number) % cycle == cycle - 1:
                    capability, key, body = packs.submission(number, sent)
                    result = record(mine, submit(client, capability, key, body, number))
                    if result.status is None and budget.take(retry=True):
                        result = record(mine, submit(client, capability, key, body, number, attempt=2))
                else:
                    result = record(mine, self_check(client, packs.self_check(sent), number))
                if result.status is None:
                    time.sleep(CONNECTION_ERROR_PAUSE)  # no hot loop against a server that is not there

    threads = [threading.Thread(target=client_loop, args=(n,), name=f"load-{n}", daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    began, cpu = time.monotonic(), time.process_time()
    budget.deadline = began + seconds
    for thread in threads:
        thread.join()
    elapsed, cpu = time.monotonic() - began, time.process_time() - cpu
    everything = sorted((result for mine in results for result in mine), key=lambda result: result.began)
    return LoadReport(url, clients, seconds, elapsed, budget.stopped_by, packs.run, everything, cpu)


@dataclass
class StoredCheck:
    """Whether every acknowledged submission is stored exactly once (and no other more than once)."""

    acknowledged: int
    unacknowledged: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        """Tell whether nothing was found wrong."""
        return not self.problems

    def summary(self) -> str:
        """Return the check as printable text."""
        verdict = "each stored exactly once" if self.ok else f"{len(self.problems)} problem(s)"
        lines = [
            f"stored-once check: {self.acknowledged} acknowledged submissions looked up, {verdict}; "
            f"{self.unacknowledged} never acknowledged, each stored at most once"
            + ("" if self.ok else " (see problems)")
        ]
        return "\n".join([*lines, *(f"  {problem}" for problem in self.problems[:20])])


def verify_stored_once(
    url: str,
    acknowledged: dict[str, set[str]],
    unacknowledged: Sequence[str] = (),
    *,
    token: str | None = None,
    threads: int = 8,
    timeout: float = DEFAULT_TIMEOUT,
) -> StoredCheck:
    """Look every capability up: acknowledged ones stored once under their one id, the others at most once."""
    problems: list[str] = []
    lock = threading.Lock()
    work: list[tuple[str, set[str] | None]] = [(c, ids) for c, ids in acknowledged.items()]
    work += [(capability, None) for capability in unacknowledged]
    slices = [work[n :: max(1, threads)] for n in range(max(1, threads))]

    def check(part: list[tuple[str, set[str] | None]]) -> None:
        found: list[str] = []
        with make_client(url, token=token, timeout=timeout) as client:
            for capability, ids in part:
                found += _stored_problems(client, capability, ids)
        with lock:
            problems.extend(found)

    with ThreadPoolExecutor(max_workers=len(slices)) as pool:
        list(pool.map(check, slices))
    return StoredCheck(len(acknowledged), len(unacknowledged), sorted(problems))


def _stored_problems(client: httpx.Client, capability: str, ids: set[str] | None) -> list[str]:
    try:
        answer = client.get("/v1/submissions", params={"capability": capability})
    except httpx.HTTPError as error:
        return [f"{capability}: could not be looked up: {_describe(error)}"]
    if answer.status_code != 200:
        return [f"{capability}: GET /v1/submissions answered {answer.status_code}: {answer.text[:200]}"]
    rows = [(row["id"], row["version"]) for row in answer.json()]
    if ids is None:
        return [f"{capability}: never acknowledged, yet stored {len(rows)} times: {rows}"] if len(rows) > 1 else []
    if len(ids) != 1:
        return [f"{capability}: acknowledged under {len(ids)} different ids: {sorted(ids)}"]
    if rows != [(next(iter(ids)), 1)]:
        return [f"{capability}: acknowledged as {next(iter(ids))}, stored as {rows} (id, version)"]
    return []


def check_report(report: LoadReport, *, token: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> StoredCheck:
    """Run the stored-once check on everything a load run submitted."""
    return verify_stored_once(
        report.url, report.acknowledged(), report.unacknowledged(), token=token, timeout=timeout, threads=8
    )


@dataclass(frozen=True)
class Served:
    """A server this run started: where it listens, a ``dcc`` token it accepts, and the environment naming its store."""

    url: str
    token: str
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChainCheck:
    """What ``lsc audit verify`` said of the database after the run."""

    intact: bool
    output: str

    def summary(self) -> str:
        """Return the check as printable text."""
        lines = self.output.strip().splitlines()
        verdict = next((line for line in reversed(lines) if line.startswith("audit chain:")), "audit chain: no verdict")
        problems = [line for line in lines if line.startswith("TAMPERED")]
        return "\n".join([f"chain check: {verdict.removeprefix('audit chain: ')}", *(f"  {p}" for p in problems[:20])])


def verify_chain(env: dict[str, str]) -> ChainCheck:
    """Run ``lsc audit verify`` on the database ``env`` names: every entry, hash and record digest recomputed."""
    command = [sys.executable, "-m", "lsc_engine", "audit", "verify"]
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    return ChainCheck(run.returncode == 0, run.stdout + (run.stderr if run.returncode not in (0, 4) else ""))


@contextlib.contextmanager
def serve(backend: str, workers: int, workdir: Path) -> Iterator[Served]:
    """Start ``lsc serve`` on a new database of its own (SQLite file or throwaway PostgreSQL), unthrottled.

    Yields its URL and a ``dcc`` token made for the run with ``lsc tokens create`` on the same database.
    """
    from lsc_engine.settings import Settings
    from tests.live import LiveServer, server_environment
    from tests.throwaway_postgres import ThrowawayPostgres

    with contextlib.ExitStack() as stack:
        if backend == "postgresql":
            postgres = stack.enter_context(ThrowawayPostgres(workdir / "pg.env"))
            settings = Settings(database_url=postgres.url)
            print(f"serve: throwaway PostgreSQL on 127.0.0.1:{postgres.port}", file=sys.stderr)
        else:
            settings = Settings(data_dir=workdir / "data", database_url=None)
            settings.data_dir.mkdir()  # the server is given the file's URL, and does not create its directory
            print(f"serve: SQLite file in {workdir / 'data'}", file=sys.stderr)
        unthrottled = {"LSC_RATE_LIMIT_PER_MINUTE": "0"}
        server = LiveServer(settings, workdir, workers=workers, startup_timeout=60, env=unthrottled)
        stack.enter_context(server)  # migrates the database first
        print(f"serve: lsc serve --workers {workers} on {server.url}", file=sys.stderr)
        env = server_environment(settings, unthrottled)
        token = create_token(env)
        try:
            yield Served(server.url, token, env)
        except BaseException:
            print(f"--- server log ---\n{server.log_tail(60)}", file=sys.stderr)
            raise
        if "Traceback" in server.log_text():
            print(f"--- the server logged a traceback ---\n{server.log_tail(60)}", file=sys.stderr)


def create_token(env: dict[str, str]) -> str:
    """Create a ``dcc`` token with ``lsc tokens create`` on the database ``env`` names; return its secret."""
    command = [sys.executable, "-m", "lsc_engine", "tokens", "create", "--role", "dcc", "--name", "load"]
    made = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    if made.returncode != 0 or not made.stdout.strip():
        raise RuntimeError(f"lsc tokens create failed ({made.returncode}): {made.stderr.strip()[-500:]}")
    return made.stdout.strip().splitlines()[-1]


def preflight(url: str, *, token: str | None = None, timeout: float = 10.0) -> str | None:
    """Return why the server is not ready to be loaded (GET /readyz is not 200), or None when it is."""
    with make_client(url, token=token, timeout=timeout) as client:
        try:
            answer = client.get("/readyz")
        except httpx.HTTPError as error:
            return f"GET {url}/readyz failed: {_describe(error)}"
    return None if answer.status_code == 200 else f"GET {url}/readyz answered {answer.status_code}: {answer.text[:200]}"


def measure(
    url: str,
    *,
    clients: int,
    seconds: float,
    max_requests: int = DEFAULT_MAX_REQUESTS,
    token: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    mix: str = "mixed",
    self_check_bodies: Sequence[bytes] = (),
) -> tuple[LoadReport, StoredCheck]:
    """Run the load, print its figures, run the stored-once check and print it; return both."""
    report = run_load(
        url,
        clients=clients,
        seconds=seconds,
        max_requests=max_requests,
        self_checks_per_submission=MIXES[mix],
        token=token,
        timeout=timeout,
        self_check_bodies=self_check_bodies,
    )
    print(report.summary(), flush=True)
    check = check_report(report, token=token, timeout=timeout)
    print(check.summary(), flush=True)
    return report, check


def self_check_pack(name: str) -> bytes:
    """Return a self-check body: a generated pack of a size ``bench.gen`` knows, or a JSON file's bytes."""
    from bench.gen import SIZES, generate

    return json.dumps(generate(name)).encode() if name in SIZES else Path(name).read_bytes()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the load from the command line; return the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help=f"base URL of a running server on {ALLOWED_HOST}")
    target.add_argument("--serve", choices=["postgresql", "sqlite"], help="start a server and database of its own")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to send requests (default 60)")
    parser.add_argument("--max-requests", type=int, default=DEFAULT_MAX_REQUESTS, help="hard cap on requests")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes with --serve (default 2)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="per-request timeout in seconds")
    parser.add_argument("--token", default=os.environ.get(TOKEN_ENV), help=f"bearer token (default ${TOKEN_ENV})")
    parser.add_argument(
        "--mix",
        choices=sorted(MIXES),
        default="mixed",
        help="mixed (3 self-checks to a submission) or self-checks only",
    )
    parser.add_argument(
        "--self-check-pack",
        help="self-check this pack instead of the seeds: a JSON file, or small, medium or large (bench.gen)",
    )
    arguments = parser.parse_args(argv)
    if not 1 <= arguments.clients <= 1024 or not 0 < arguments.seconds <= 3600 or arguments.max_requests < 1:
        parser.error("--clients must be 1..1024, --seconds 0..3600, --max-requests positive")
    if arguments.url is not None:
        try:
            local_url(arguments.url)
        except ValueError as error:
            parser.error(str(error))

    bodies = [] if arguments.self_check_pack is None else [self_check_pack(arguments.self_check_pack)]

    def run(url: str, token: str | None) -> tuple[LoadReport, StoredCheck]:
        return measure(
            url,
            clients=arguments.clients,
            seconds=arguments.seconds,
            max_requests=arguments.max_requests,
            token=token,
            timeout=arguments.timeout,
            mix=arguments.mix,
            self_check_bodies=bodies,
        )

    if arguments.serve is None:
        problem = preflight(arguments.url, token=arguments.token or None)
        if problem is not None:
            print(f"bench.load: the server is not ready, nothing was sent: {problem}", file=sys.stderr)
            return 1
        report, check = run(arguments.url, arguments.token or None)
    else:
        with (
            tempfile.TemporaryDirectory(prefix="lsc-load-") as workdir,
            serve(arguments.serve, arguments.workers, Path(workdir)) as served,
        ):
            report, check = run(served.url, served.token)
            chain = verify_chain(served.env)
            print(chain.summary(), flush=True)
        return 0 if report.errors == 0 and check.ok and chain.intact else 1
    print("chain check: not made (the database of a server given by --url is not reachable from here)", flush=True)
    return 0 if report.errors == 0 and check.ok else 1


if __name__ == "__main__":
    sys.exit(main())
