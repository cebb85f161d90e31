"""Two replicas of ``lsc serve`` on one PostgreSQL database agree with each other.

A retried submission sent to both at once is stored once; writes through both keep the audit chain intact
and every acknowledged record; a token revoked, or a session ended, on one is refused by the other once its
memory of it expires; and a token's rate limit holds across both. Each replica is a single worker, so that
"the replica that made the change" is one process.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from copy import deepcopy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.auth import SESSION_COOKIE
from lsc_engine.access.policy import Role
from lsc_engine.settings import Settings

from .auth import bearer, issue_tokens
from .databases import fresh_database
from .helpers import seed
from .live import LiveServer
from .test_live_server import assert_no_server_errors, audit, in_parallel

pytestmark = [pytest.mark.postgres, pytest.mark.live]

#: How long each replica remembers a token or a session in these tests.
CACHE_SECONDS = 1.0
#: How long the other replica may take to refuse a revoked token or an ended session before the test fails:
#: far above the cache's lifetime, so that a slow machine cannot fail a replica that is right.
REFUSAL_BOUND_SECONDS = 30.0


@dataclass(frozen=True)
class Replicas:
    """Two servers on one database, sharing its tokens (one per role)."""

    settings: Settings
    servers: tuple[LiveServer, LiveServer]
    tokens: dict[Role, str]

    def clients(self, role: Role | None = None) -> tuple[httpx.Client, httpx.Client]:
        """Return a client of each replica (speaking as ``role``, or as the party each request is for)."""
        first, second = self.servers
        return first.client(role=role), second.client(role=role)


@contextmanager
def two_replicas(tmp_path: Path, **settings: Any) -> Iterator[Replicas]:
    """Start two single-worker servers, side by side, on a fresh database of their own, migrated once beforehand."""
    with fresh_database("postgresql", tmp_path) as fresh, ExitStack() as stack:
        shared = fresh.model_copy(update={"token_cache_seconds": CACHE_SECONDS, **settings})
        tokens = issue_tokens(shared)
        servers = (
            LiveServer(shared, tmp_path, workers=1, migrate=False, tokens=tokens),
            LiveServer(shared, tmp_path, workers=1, migrate=False, tokens=tokens),
        )
        for server in servers:
            stack.push(server)  # stopped when the block ends, with its log shown if the block failed
        in_parallel(LiveServer.start, servers, threads=2)
        yield Replicas(shared, servers, tokens)


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    """Two replicas on one fresh database, shared by the tests below that need no limit of their own."""
    with two_replicas(tmp_path_factory.mktemp("replicas")) as started:
        yield started
        for server in started.servers:
            assert_no_server_errors(server)


def mds_pack(capability: str) -> bytes:
    """Return the MOC-MDS seed pack renamed to a capability of its own (4 conditions, one of them reporting)."""
    document = deepcopy(seed("seed-moc-mds-2020-03.json"))
    document["statement"]["capability"] = capability
    return json.dumps(document).encode()


def capabilities(count: int) -> list[str]:
    """Return capability names unique to this run."""
    run = uuid.uuid4().hex[:8]
    return [f"REPLICA-{run}-{number:02d}" for number in range(count)]


def created(answer: httpx.Response) -> dict[str, Any]:
    """Return the body of a 201 answer, failing with the answer otherwise."""
    assert answer.status_code == 201, (answer.request.method, answer.request.url.path, answer.status_code, answer.text)
    body: dict[str, Any] = answer.json()
    return body


def refused_within(
    send: Callable[[], httpx.Response], bound: float = REFUSAL_BOUND_SECONDS
) -> tuple[httpx.Response, int]:
    """Send a request until it is refused, for at most ``bound`` seconds; return the last answer and how many passed."""
    deadline = time.monotonic() + bound
    passed = 0
    while True:
        answer = send()
        if answer.status_code != 200 or time.monotonic() > deadline:
            return answer, passed
        passed += 1
        time.sleep(0.05)


# -- idempotency ----------------------------------------------------------------------------------------------

ROUNDS = 20


def test_the_same_request_sent_to_both_replicas_at_once_is_stored_once(replicas: Replicas) -> None:
    names = capabilities(ROUNDS)
    bodies = {name: mds_pack(name) for name in names}
    barrier = threading.Barrier(2)
    answers: list[list[httpx.Response]] = [[], []]

    def send(side: int) -> None:
        with replicas.servers[side].client(role=Role.DCC) as client:
            client.get("/readyz")  # connected, and the token remembered, before the race
            for name in names:
                headers = {"Idempotency-Key": f"race-{name}", "Content-Type": "application/json"}
                barrier.wait(timeout=60)  # each round's two requests leave together
                answers[side].append(client.post("/v1/submissions", content=bodies[name], headers=headers))

    in_parallel(send, [0, 1], threads=2)

    first_answered = [0, 0]
    for name, pair in zip(names, zip(*answers, strict=True), strict=True):
        statuses = sorted(answer.status_code for answer in pair)
        assert statuses == [200, 201], (name, [(a.status_code, a.text[:300]) for a in pair])
        said = [answer.json() for answer in pair]
        assert sorted(body["replayed"] for body in said) == [False, True], name
        assert {body["submission"]["id"] for body in said} == {said[0]["submission"]["id"]}, name
        assert {body["submission"]["capability"] for body in said} == {name}
        first_answered[[a.status_code for a in pair].index(201)] += 1
    print(f"\n{ROUNDS} races: the first replica stored {first_answered[0]}, the second {first_answered[1]}")

    first, second = replicas.clients(Role.PANEL)
    with first, second:
        for client in (first, second):
            for name, pair in zip(names, zip(*answers, strict=True), strict=True):
                stored = client.get("/v1/submissions", params={"capability": name})
                assert stored.status_code == 200, stored.text
                assert [row["id"] for row in stored.json()] == [pair[0].json()["submission"]["id"]], name


# -- concurrent writes ----------------------------------------------------------------------------------------

CAPABILITIES = 6
REPORTS_PER_REPLICA = 3
#: The criteria each group assesses on MOC-MDS, as its proposal stands (amber), so that no rationale is needed.
ASSESSED = {"OPSG": ("LSC6", "LSC8", "LSC9"), "SSC": ("LSC10.4", "LSC10.6")}
REPORTING = "connectivity-transition-reporting"
PREREQUISITE = "cio-report-review"


@dataclass
class Workflow:
    """One capability's records, as the replicas acknowledged them."""

    capability: str
    submission: str = ""
    conditions: dict[str, str] = field(default_factory=dict)
    assessments: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    decision: str = ""

    def submit(self, client: httpx.Client) -> None:
        """Store the capability's pack and note its submission and conditions."""
        self.submission = created(client.post("/v1/submissions", content=mds_pack(self.capability)))["submission"]["id"]
        listed = client.get("/v1/conditions", params={"capability": self.capability})
        self.conditions = {condition["key"]: condition["id"] for condition in listed.json()}

    def assess(self, client: httpx.Client, group: str) -> None:
        """Record a group's assessments, one criterion after another."""
        for criterion in ASSESSED[group]:
            body = {"criterion": criterion, "group": group, "accepted": True, "rating": "amber", "assessor": "Chair"}
            answer = client.post(f"/v1/submissions/{self.submission}/assessments", json=body)
            self.assessments.append(created(answer)["id"])

    def report(self, client: httpx.Client, evidence: str) -> None:
        """Report on the capability's ongoing-reporting condition."""
        body = {"action": "report", "evidence": evidence}
        created(client.post(f"/v1/conditions/{self.conditions[REPORTING]}/events", json=body))
        self.reports.append(evidence)

    def satisfy(self, client: httpx.Client) -> None:
        """Satisfy the capability's go-live prerequisite."""
        body = {"action": "satisfy", "evidence": "SSC reviewed the CIO report"}
        created(client.post(f"/v1/conditions/{self.conditions[PREREQUISITE]}/events", json=body))

    def decide(self, client: httpx.Client) -> None:
        """Record the Panel's decision."""
        body = {"outcome": "recommend_with_conditions", "considered_on": "2020-03-06"}
        self.decision = created(client.post(f"/v1/submissions/{self.submission}/decisions", json=body))["id"]

    def assert_recorded(self, client: httpx.Client) -> None:
        """Check that a replica reads every acknowledged record of the capability, once each."""
        rows = client.get("/v1/submissions", params={"capability": self.capability}).json()
        assert [row["id"] for row in rows] == [self.submission], self.capability
        assessments = client.get(f"/v1/submissions/{self.submission}/assessments").json()
        assert sorted(a["id"] for a in assessments) == sorted(self.assessments), self.capability
        reporting = client.get(f"/v1/conditions/{self.conditions[REPORTING]}").json()
        assert [event["number"] for event in reporting["history"]] == list(range(1, len(self.reports) + 1))
        assert sorted(event["evidence"] for event in reporting["history"]) == sorted(self.reports), self.capability
        prerequisite = client.get(f"/v1/conditions/{self.conditions[PREREQUISITE]}").json()
        assert [event["action"] for event in prerequisite["history"]] == ["satisfy"], self.capability
        decisions = client.get(f"/v1/submissions/{self.submission}/decisions").json()
        assert [decision["id"] for decision in decisions] == [self.decision], self.capability


def test_writes_through_both_replicas_at_once_keep_the_chain_and_every_record(replicas: Replicas) -> None:
    flows = [Workflow(name) for name in capabilities(CAPABILITIES)]
    first, second = replicas.clients()
    sides = (first, second)
    with first, second:
        # Submissions: half through each replica, all at once.
        in_parallel(lambda number: flows[number].submit(sides[number % 2]), range(CAPABILITIES), threads=CAPABILITIES)

        # On every capability at the same moment, the first replica takes OPSG's assessments and the second SSC's,
        # and both report on the same condition.
        barrier = threading.Barrier(2 * CAPABILITIES)

        def committee(item: tuple[Workflow, int]) -> None:
            flow, side = item
            barrier.wait(timeout=60)
            flow.assess(sides[side], ("OPSG", "SSC")[side])
            for number in range(REPORTS_PER_REPLICA):
                flow.report(sides[side], f"report {number} through replica {side}")

        in_parallel(committee, [(flow, side) for flow in flows for side in (0, 1)], threads=2 * CAPABILITIES)

        # Each capability's prerequisite satisfied through one replica, and its decision recorded through the other.
        def conclude(number: int) -> None:
            flows[number].satisfy(sides[(number + 1) % 2])
            flows[number].decide(sides[number % 2])

        in_parallel(conclude, range(CAPABILITIES), threads=CAPABILITIES)

        for client in sides:
            for flow in flows:
                flow.assert_recorded(client)

    chain = audit(replicas.settings)
    assert chain.intact, chain.problems[:10]
    assert chain.entries == chain.records


# -- tokens and sessions --------------------------------------------------------------------------------------


def test_a_token_revoked_through_one_replica_is_refused_by_the_other(replicas: Replicas) -> None:
    first, second = replicas.clients(Role.ADMIN)
    with first, second:
        made = created(first.post("/v1/tokens", json={"role": "observer", "name": "Replica observer"}))
        token = bearer(made["secret"])
        for client in (first, second):  # each replica now remembers the token as good
            assert client.get("/v1/criteria", headers=token).status_code == 200

        revoked = first.post(f"/v1/tokens/{made['id']}/revocation", json={"reason": "left the team"})
        assert revoked.status_code == 204, revoked.text
        at_once = first.get("/v1/criteria", headers=token)
        assert at_once.status_code == 401, at_once.text  # the replica that revoked it forgets it at once

        answer, passed = refused_within(lambda: second.get("/v1/criteria", headers=token))
    assert answer.status_code == 401, f"still accepted {REFUSAL_BOUND_SECONDS:g} s after the revocation"
    assert answer.json()["message"] == "the bearer token is unknown or revoked"
    print(f"\nthe other replica accepted the revoked token {passed} more times before refusing it")


def test_a_session_signed_out_on_one_replica_ends_on_the_other(replicas: Replicas) -> None:
    with (
        httpx.Client(base_url=replicas.servers[0].url, trust_env=False) as first,
        httpx.Client(base_url=replicas.servers[1].url, trust_env=False) as second,
    ):
        signed_in = first.post("/login", data={"token": replicas.tokens[Role.PANEL]}, follow_redirects=False)
        assert signed_in.status_code == 303, signed_in.text
        found = re.match(rf"{SESSION_COOKIE}=([^;]+);", signed_in.headers["set-cookie"])
        assert found, signed_in.headers["set-cookie"]
        # Sent by hand: the cookie is Secure, which a client keeps to HTTPS, and these servers speak HTTP.
        cookie = {"Cookie": f"{SESSION_COOKIE}={found.group(1)}", "Accept": "text/html"}
        page = second.get("/", headers=cookie)  # the session works on the other replica too, which remembers it
        assert page.status_code == 200, page.text
        assert "Signed in as test panel" in page.text
        csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
        assert csrf, "the page has no sign-out form"

        out = first.post("/logout", data={"csrf_token": csrf.group(1)}, headers=cookie, follow_redirects=False)
        assert (out.status_code, out.headers.get("location")) == (303, "/login"), out.text
        at_once = first.get("/", headers=cookie, follow_redirects=False)
        assert (at_once.status_code, at_once.headers.get("location")) == (303, "/login?next=%2F")

        answer, passed = refused_within(lambda: second.get("/", headers=cookie, follow_redirects=False))
    assert answer.status_code == 303, f"still signed in {REFUSAL_BOUND_SECONDS:g} s after signing out"
    assert answer.headers["location"] == "/login?next=%2F"
    print(f"\nthe other replica served the ended session {passed} more times before sending it to sign in")


# -- rate limit -----------------------------------------------------------------------------------------------

LIMIT = 100
#: What each replica takes from the shared count at a time (lsc_engine.services.ratelimit: a twentieth).
LEASE = LIMIT // 20
#: Two clients per replica, each sending half a limit's requests: either replica counting alone would grant
#: every request it is sent.
BURSTS = (0, 1, 0, 1)
REQUESTS_PER_BURST = LIMIT // 2
#: The most the replicas can hold unspent when the clients stop: each client's last request may have taken a
#: lease of which it spent one request (lost when the minute ends; docs/operations.md, "Running replicas").
UNSPENT = len(BURSTS) * (LEASE - 1)
ATTEMPTS = 3


def test_the_rate_limit_holds_across_both_replicas(tmp_path: Path) -> None:
    with two_replicas(tmp_path, rate_limit_per_minute=LIMIT) as pair:
        for _attempt in range(ATTEMPTS):
            outcome = spend_a_fresh_token(pair)
            if outcome is not None:
                break
        else:
            pytest.fail(f"each of {ATTEMPTS} bursts crossed a minute's end, where the count starts again")
        for server in pair.servers:
            assert_no_server_errors(server)
    granted, refused = outcome
    total = sum(granted)
    print(f"\nlimit {LIMIT}/min: the replicas granted {granted[0]} and {granted[1]}, refused {refused}")
    # Never over the limit while the database answers (the documented overshoot is nil), and under it by no
    # more than the replicas may hold of leases when the clients stop.
    assert LIMIT - UNSPENT <= total <= LIMIT, granted
    assert refused == len(BURSTS) * REQUESTS_PER_BURST - total


def spend_a_fresh_token(pair: Replicas) -> tuple[list[int], int] | None:
    """Spend a new token's minute on both replicas at once; None when the burst crossed a minute's end."""
    with pair.servers[0].client(role=Role.ADMIN) as admin:
        token = bearer(created(admin.post("/v1/tokens", json={"role": "observer", "name": "Busy observer"}))["secret"])
    minute = int(time.time() // 60)

    def burst(side: int) -> list[httpx.Response]:
        with pair.servers[side].client() as client:
            return [client.get("/v1/criteria", headers=token) for _ in range(REQUESTS_PER_BURST)]

    answers = in_parallel(burst, BURSTS, threads=len(BURSTS))
    if int(time.time() // 60) != minute:
        return None
    granted = [0, 0]
    refused = 0
    for side, replies in zip(BURSTS, answers, strict=True):
        for reply in replies:
            if reply.status_code == 200:
                granted[side] += 1
                continue
            assert reply.status_code == 429, reply.text
            assert reply.json()["details"]["limit_per_minute"] == LIMIT
            assert int(reply.headers["retry-after"]) >= 1
            refused += 1
    return granted, refused
