"""The canary: every text that can be confidential carries a marker, and no role is ever shown a marker it may not see.

Every free text of a pack, and every text people enter (rationales, condition texts and due points, reports,
notes, reasons), starts with a unique marker; half the pack's items are confidential. Then every role asks for
every page and every GET route the application serves (walked from the application itself, so that a new
route is covered the day it is added; a route whose address the canary cannot fill fails it), and the letters
in every format (the PDF read back as text). A marker may reach a role only if it is public, confidential to
that role's group, or the role is the Panel; and whatever the Panel is shown, each role entitled to it is
shown somewhere too.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from starlette.routing import compile_path

from lsc_engine import load_ruleset, parse_pack
from lsc_engine.access.policy import GROUPS, Role
from lsc_engine.core.evaluation import Evaluation
from lsc_engine.core.evidence import Group, iter_items
from lsc_engine.errors import InvalidPack

from .auth import ActingClient, acting_client, bearer
from .conftest import FIXTURES, RULES
from .databases import fresh_database
from .helpers import statements_sent
from .routes import served

pytestmark = pytest.mark.api

MARK = re.compile(r"CNRY\d{4}Z")
PUBLIC: frozenset[Group] = frozenset()
CAPABILITY = "MOC-MDS"
OTHER_CAPABILITY = "MOC-SECURE"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Markers:
    """The markers planted so far and who may see each (no groups: everyone who may read)."""

    owners: dict[str, frozenset[Group]] = field(default_factory=dict)
    _count: Iterator[int] = field(default_factory=itertools.count)

    def new(self, owners: frozenset[Group], text: str = "") -> str:
        """Return a new marker, followed by ``text``, owned by ``owners``."""
        marker = f"CNRY{next(self._count):04d}Z"
        self.owners[marker] = owners
        return f"{marker} {text}".strip()

    def entitled(self, role: Role, marker: str) -> bool:
        """Tell whether a role may be shown a marker."""
        owners = self.owners[marker]
        return not owners or role == Role.PANEL or GROUPS.get(role) in owners


def _at(document: Any, path: str) -> Any:
    """Return the value at a JSON path such as ``testing.defects[3]``."""
    value = document
    for name, index in re.findall(r"([A-Za-z_]+)|\[(\d+)\]", path):
        value = value[name] if name else value[int(index)]
    return value


def _valid(document: dict[str, Any]) -> bool:
    try:
        parse_pack(json.dumps(document).encode(), yaml_allowed=False)
    except InvalidPack:
        return False
    return True


def _plant(document: dict[str, Any], holder: dict[str, Any], markers: Markers, owners: frozenset[Group]) -> None:
    """Put a marker before every free text of an object (and of the objects inside it) that the schema allows."""
    for name, value in list(holder.items()):
        if isinstance(value, dict) and name != "provenance":
            _plant(document, value, markers, owners)
        elif isinstance(value, str) and name not in ("id", "key"):
            marked = markers.new(owners, value)
            holder[name] = marked
            if not _valid(document):  # not free text (a date, a choice, a reference): as it was
                holder[name] = value
                del markers.owners[marked.split(" ", 1)[0]]


def marked_pack(markers: Markers) -> bytes:
    """Return the MOC MDS pack with every free text marked and every other item confidential.

    The earlier condition is left unflagged while the condition the rules raise under the same key rests on
    confidential evidence: the stricter copy governs, so its text belongs to its owner and the Panel.
    """
    document = json.loads((FIXTURES / "seed-moc-mds-2020-03.json").read_bytes())
    section_owners = load_ruleset(RULES).catalogue.section_owners()
    items = list(iter_items(parse_pack(json.dumps(document).encode(), yaml_allowed=False)))
    for number, (path, _) in enumerate(items):
        _at(document, path)["confidential"] = number % 2 == 0
    _at(document, "security.independent_assurance")["confidential"] = True
    for path, _ in items:
        item = _at(document, path)
        section = re.sub(r"\[\d+\]", "", path)
        if section == "earlier_conditions":
            item["confidential"] = False
            owners = frozenset({Group(item["owner"])})
        else:
            owners = section_owners.get(section, frozenset()) if item["confidential"] else PUBLIC
        _plant(document, item, markers, owners)
    _plant(document, document["statement"], markers, PUBLIC)
    assert _valid(document)
    return json.dumps(document).encode()


@dataclass
class World:
    """What the canary's requests refer to."""

    ids: dict[str, str]
    other_evaluations: list[str]
    pack: dict[str, Any] = field(default_factory=dict)
    draft_letter: str = ""


def _build(client: ActingClient, markers: Markers) -> World:
    """Submit the marked pack twice and another capability once; assess, add and act on conditions, decide."""
    pack = marked_pack(markers)
    first = client.post("/v1/submissions", content=pack).json()
    second = client.post("/v1/submissions", content=pack, params={"as_at": "2020-03-20"}).json()
    submission = second["submission"]["id"]
    other = client.post("/v1/submissions", content=(FIXTURES / "seed-moc-secure-2020-08.json").read_bytes()).json()
    other_id = other["submission"]["id"]
    cells = {(c["criterion"], c["group"]): c for c in second["evaluation"]["result"]["ratings"]}
    for (criterion, group), cell in sorted(cells.items()):
        confidential = any(f["confidential"] for f in cell["findings"])
        owners = frozenset({Group(group)}) if confidential else PUBLIC
        rating = cell["rating"] if cell["rating"] in ("green", "amber", "red") else "amber"
        answer = client.post(
            f"/v1/submissions/{submission}/assessments",
            json={
                "criterion": criterion,
                "group": group,
                "accepted": rating != "red",
                "rating": rating,
                "assessor": f"{group} member",
                "rationale": markers.new(owners, "the group's reasoning"),
            },
        )
        assert answer.status_code == 201, answer.text
    conditions = []
    for group in Group:
        for confidential in (True, False):
            owners = frozenset({group}) if confidential else PUBLIC
            made = client.post(
                "/v1/conditions",
                json={
                    "capability": CAPABILITY,
                    "kind": "ongoing_reporting",
                    "owner": group.value,
                    "criteria": [next(c for c, g in cells if g == group.value)],
                    "text": markers.new(owners, "a condition added by hand"),
                    "due": markers.new(owners, "every month"),
                    "confidential": confidential,
                },
                headers=bearer(client.tokens[Role(group.value.lower())]),
            )
            assert made.status_code == 201, made.text
            conditions.append((made.json()["id"], group, owners))
    page = client.post(  # the conditions board's own form, confidential box ticked
        f"/capabilities/{CAPABILITY}/conditions",
        data={
            "kind": "prerequisite_go_live",
            "owner": "SSC",
            "criteria": "LSC10.6",
            "text": markers.new(frozenset({Group.SSC}), "added on the board"),
            "due": markers.new(frozenset({Group.SSC}), "before go-live"),
            "confidential": "yes",
        },
        headers=bearer(client.tokens[Role.SSC]),
        follow_redirects=False,
    )
    assert page.status_code == 303, page.text
    for condition, group, owners in conditions:
        reported = client.post(
            f"/v1/conditions/{condition}/events",
            json={"action": "report", "evidence": markers.new(owners, "the monthly report")},
            headers=bearer(client.tokens[Role(group.value.lower())]),
        )
        assert reported.status_code == 201, reported.text
    revoked = client.post(
        f"/v1/submissions/{first['submission']['id']}/revocations",
        json={"group": "TAG", "reason": markers.new(PUBLIC, "a recommendation withdrawn")},
    )
    assert revoked.status_code == 201, revoked.text
    decision = client.post(
        f"/v1/submissions/{submission}/decisions",
        json={
            "outcome": "recommend_with_conditions",
            "considered_on": "2020-03-06",
            "notes": markers.new(PUBLIC, "the Panel's notes"),
        },
    )
    assert decision.status_code == 201, decision.text
    # The letter: issued, then a correction left as a draft, so that both are read as their readers see them.
    letters = f"/v1/decisions/{decision.json()['id']}/letters"
    letter = client.post(letters, json={"letter_date": "2020-03-09"}).json()["id"]
    edited = client.patch(
        f"/v1/letters/{letter}",
        json={"revision": 1, "paragraphs": [{"key": "remarks", "text": markers.new(PUBLIC, "the Panel's remarks")}]},
    )
    assert edited.status_code == 200, edited.text
    assert client.post(f"/v1/letters/{letter}/issue", json={"revision": 2}).status_code == 200
    draft = client.post(letters, json={"supersedes": letter})
    assert draft.status_code == 201, draft.text
    evaluations = client.get(f"/v1/submissions/{other_id}/evaluations").json()
    return World(
        ids={
            "submission_id": submission,
            "decision_id": decision.json()["id"],
            "condition_id": conditions[0][0],
            "capability": CAPABILITY,
            "rule_id": "LSC6-OPSG-stable",
            "group": "ssc",
            "first_submission_id": first["submission"]["id"],
            "letter_id": letter,
        },
        other_evaluations=[e["id"] for e in evaluations],
        pack=json.loads(pack),
        draft_letter=draft.json()["id"],
    )


#: Further addresses of routes that answer differently by their query: every letter format, every diff.
def _variants(path: str, world: World) -> list[str]:
    ids = world.ids
    if ids["letter_id"] in path:  # the issued letter, and the draft correcting it
        paths = [path, path.replace(ids["letter_id"], world.draft_letter)]
        if path.endswith(("/document", "/appendix")):
            return [f"{each}?format={form}" for each in paths for form in ("html", "markdown", "pdf")]
        return paths
    if path.endswith("/letter"):
        return [f"{path}?format={form}" for form in ("html", "markdown", "pdf")]
    if path.endswith("/diff"):
        return [path, f"{path}?from={ids['first_submission_id']}&to={ids['submission_id']}"]
    if path == "/v1/conditions":
        return [f"{path}?capability={CAPABILITY}"]
    if path == "/meetings/pack":
        chosen = f"{path}?on=2020-09-01&capability={CAPABILITY}"
        return [path, chosen, f"{chosen}&format=pdf"]
    if path == "/v1/register":  # the register as JSON, as each file, and filtered
        return [path, *(f"{path}?format={form}" for form in ("csv", "xlsx")), f"{path}?owner=SSC&open=true"]
    if path == "/register":
        return [path, f"{path}?capability={CAPABILITY}&kind=prerequisite_migration"]
    if path.endswith("/history"):
        return [path, f"{path}?from={ids['first_submission_id']}&to={ids['submission_id']}"]
    return [path]


def addresses(app: Any, world: World) -> list[str]:
    """Return an address for every GET route the application serves, with its query variants."""
    found = []
    for route in sorted(served(app), key=lambda r: r.path):
        if route.method != "GET" or route.path.startswith("/static") or route.path in ("/login", "/openapi.json"):
            continue
        _, _, params = compile_path(route.path)
        unknown = set(params) - set(world.ids)
        assert not unknown, f"the canary cannot fill {route.path}: teach it {sorted(unknown)}"
        path = route.path.format(**world.ids)
        found += _variants(path, world)
    return found


def _text(answer: Any) -> str:
    if answer.headers.get("content-type", "").startswith(XLSX):
        book = load_workbook(io.BytesIO(answer.content))
        return "\n".join(str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row)
    if answer.headers.get("content-type", "").startswith("application/pdf"):
        read = subprocess.run(["pdftotext", "-", "-"], input=answer.content, capture_output=True, check=True)
        output: bytes = read.stdout
        return output.decode()
    return str(answer.text)


@pytest.fixture
def canary_client(tmp_path: Path) -> Iterator[ActingClient]:
    """A client of the app on a fresh SQLite database (the canary walks many routes; one backend is enough)."""
    with fresh_database("sqlite", tmp_path) as settings, acting_client(settings) as client:
        yield client


def test_no_role_is_shown_a_marker_it_may_not_see(canary_client: ActingClient) -> None:
    client, markers = canary_client, Markers()
    world = _build(client, markers)
    urls = addresses(client.app, world)
    seen: dict[Role, set[str]] = {role: set() for role in Role}
    beyond_the_pack: set[str] = set()  # what the Panel saw anywhere but in the pack as received
    packs = {f"/v1/submissions/{world.ids[name]}" for name in ("submission_id", "first_submission_id")}
    leaks = []
    for role in Role:
        for url in urls:
            answer = client.get(url, headers=bearer(client.tokens[role]), follow_redirects=False)
            if answer.status_code != 200:
                continue
            for marker in set(MARK.findall(_text(answer))):
                seen[role].add(marker)
                if role == Role.PANEL and url not in packs:
                    beyond_the_pack.add(marker)
                if not markers.entitled(role, marker):
                    leaks.append(f"{role.value} saw {marker} (for {sorted(markers.owners[marker])}) at {url}")
    assert not leaks, "\n".join(sorted(leaks))
    assert seen[Role.PANEL], "the Panel saw no marker: the canary planted nothing visible"
    unseen = [
        f"{role.value} never saw {marker}, which the Panel saw"
        for role in (Role.DCC, Role.TAG, Role.OPSG, Role.SSC, Role.OBSERVER)
        for marker in seen[Role.PANEL]
        if markers.entitled(role, marker) and marker not in seen[role]
    ]
    assert not unseen, "\n".join(sorted(unseen))
    # The scope (DMC names, why each part is held back, the defect it waits on) and where a carried-over
    # condition comes from are shown beyond the pack itself: in evaluations, pages and letters.
    pack = world.pack
    cited = [pack["scope"], pack["testing"]["defects"][0], pack["earlier_conditions"][0]["origin"]]
    planted = set(MARK.findall(json.dumps(cited)))
    assert planted, "the canary planted nothing in the scope"
    assert planted <= beyond_the_pack, f"only the pack shows {sorted(planted - beyond_the_pack)}"


def test_a_diff_of_evaluations_of_another_submission_is_not_found(canary_client: ActingClient) -> None:
    client, markers = canary_client, Markers()
    world = _build(client, markers)
    first, last = world.other_evaluations[0], world.other_evaluations[-1]
    answer = client.get(f"/v1/submissions/{world.ids['submission_id']}/diff", params={"from": first, "to": last})
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"


def _pack_reads_allowed(path: str, world: World) -> int:
    """Return how many packs a GET address may read: one where it shows a pack or evaluates one, else none."""
    ids = world.ids
    shown = {f"/v1/submissions/{ids['submission_id']}", f"/submissions/{ids['submission_id']}"}
    if path in shown or path.endswith("/timeline") or "/letter?" in path:  # the pack, its milestones, its letter
        return 1
    if path.split("?")[0].endswith(("/diff", "/history")):  # a change by both evidence and date is split by one
        return 1
    return 0


def test_a_pack_is_read_only_where_it_is_shown_or_evaluated(canary_client: ActingClient) -> None:
    # A pack can be tens of megabytes: a page or list that names a submission reads its record without it. Before,
    # the meeting pack read 8 packs for one capability, the history page 4, the assessment page 2, and the list
    # of submissions every pack it listed.
    client, markers = canary_client, Markers()
    world = _build(client, markers)
    database = client.app.state.committee.database  # type: ignore[attr-defined]
    read: dict[str, int] = {}
    for url in addresses(client.app, world):
        with statements_sent(database) as statements:
            answer = client.get(url, headers=bearer(client.tokens[Role.PANEL]), follow_redirects=False)
        assert answer.status_code in (200, 403, 404), url  # the Panel may not list tokens
        read[url] = sum(1 for statement in statements if re.search(r"submission\.pack\b", statement))
    too_many = {url: count for url, count in read.items() if count > _pack_reads_allowed(url, world)}
    assert not too_many, too_many
    assert read[f"/submissions/{world.ids['submission_id']}"] == 1  # the page that shows the evidence reads it
    assert sum(read.values()) >= 6  # the pack, its page, the timeline and each letter format read theirs


def test_a_request_parses_each_stored_evaluation_once(
    canary_client: ActingClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An evaluation of a large scope takes about half a second to parse; the decision page read the submission's
    # newest evaluation five times (once for each of the service's calls it makes), the meeting pack five times for
    # each capability and the submission page three times.
    client, markers = canary_client, Markers()
    world = _build(client, markers)
    parsed: list[str] = []
    parse = Evaluation.model_validate_json

    def counted(data: str | bytes, **options: Any) -> Evaluation:
        parsed.append(hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest())
        return parse(data, **options)

    monkeypatch.setattr(Evaluation, "model_validate_json", counted)
    again: dict[str, int] = {}
    for url in addresses(client.app, world):
        parsed.clear()
        client.get(url, headers=bearer(client.tokens[Role.PANEL]), follow_redirects=False)
        if len(parsed) > len(set(parsed)):
            again[url] = len(parsed) - len(set(parsed))
    assert not again, again
    parsed.clear()
    client.get(f"/submissions/{world.ids['submission_id']}/decision", headers=bearer(client.tokens[Role.PANEL]))
    assert len(parsed) == 1
