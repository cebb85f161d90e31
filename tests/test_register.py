"""The programme-wide conditions register: numbering, threads, filters, exports and redaction, over HTTP."""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from lsc_engine.access.policy import Role
from lsc_engine.committee import register as register_module
from lsc_engine.committee.conditions import ConditionState, Status
from lsc_engine.committee.register import CARRIED, Entry, Filters, Member, Register, build
from lsc_engine.services.committee import Committee

from .auth import ActingClient, acting_client, bearer
from .conftest import FIXTURES
from .databases import fresh_database
from .helpers import condition_state, statements_sent

pytestmark = pytest.mark.api

MDS = (FIXTURES / "seed-moc-mds-2020-03.json").read_bytes()
SECURE = (FIXTURES / "seed-moc-secure-2020-08.json").read_bytes()
WITHHELD = "[confidential: shown to SSC and the Panel]"
SECRET = "A secret SSC condition on the HAN"
ORIGIN = "the approval of the first set of entries onto the EPCL (SSC, July 2019)"


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[ActingClient]:
    """A client of the app with both seed packs submitted (SQLite: the register reads what any store holds)."""
    with fresh_database("sqlite", tmp_path) as settings, acting_client(settings) as client:
        for pack in (MDS, SECURE):
            answer = client.post("/v1/submissions", content=pack)
            assert answer.status_code == 201, answer.text
        yield client


def register(client: ActingClient, role: Role = Role.PANEL, **filters: str) -> dict[str, Any]:
    """Return the register as JSON, as a role sees it."""
    answer = client.get("/v1/register", params=filters, headers=bearer(client.tokens[role]))
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def add(client: ActingClient, role: Role, **fields: Any) -> dict[str, Any]:
    """Add a condition by hand and return it."""
    body = {"capability": "MOC-MDS", "kind": "ongoing_reporting", "criteria": ["LSC10.6"], "due": "monthly", **fields}
    answer = client.post("/v1/conditions", json=body, headers=bearer(client.tokens[role]))
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    return made


def csv_rows(content: bytes) -> list[dict[str, str]]:
    """Read a CSV export into rows by column name."""
    assert content.startswith("\ufeff".encode()), "Excel reads the file as UTF-8 only with a byte-order mark"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_rows(content: bytes) -> list[dict[str, Any]]:
    """Read the conditions sheet of an Excel export into rows by column name."""
    sheet = load_workbook(io.BytesIO(content))["Conditions"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_every_capability_is_numbered_in_letter_order_and_the_carried_condition_is_one_thread(
    seeded: ActingClient,
) -> None:
    found = register(seeded)
    assert found["capabilities"] == ["MOC-MDS", "MOC-SECURE"]
    numbers = [(e["capability"], e["number"]) for e in found["entries"]]
    assert numbers == [("MOC-MDS", n) for n in range(1, 5)] + [("MOC-SECURE", n) for n in range(1, 4)]
    kinds = [e["condition"]["kind"] for e in found["entries"] if e["capability"] == "MOC-MDS"]
    assert kinds == ["prerequisite_go_live", "prerequisite_migration", "ongoing_reporting", "pause_trigger"]
    # The July 2019 condition is attached to both capabilities: one thread, naming its decision and each copy.
    assert found["threads"] == [
        {
            "carried_from": "EPCL-2019-07-C1",
            "origin": ORIGIN,
            "members": [
                {"capability": "MOC-MDS", "number": 2, "status": "open"},
                {"capability": "MOC-SECURE", "number": 3, "status": "open"},
            ],
        }
    ]
    carried = next(e for e in found["entries"] if e["capability"] == "MOC-MDS" and e["carried_from"])
    assert carried["origin"] == ORIGIN
    assert carried["alongside"] == [{"capability": "MOC-SECURE", "number": 3, "status": "open"}]
    assert carried["entered_with"] == 1


def test_the_numbers_are_those_the_letter_gives(seeded: ActingClient) -> None:
    mds = seeded.get("/v1/readiness/MOC-MDS").json()["submission_id"]
    decided = seeded.post(
        f"/v1/submissions/{mds}/decisions",
        json={"outcome": "recommend_with_conditions", "considered_on": "2020-03-06"},
    )
    assert decided.status_code == 201, decided.text
    in_letter = {c["id"]: c["number"] for c in decided.json()["snapshot"]["conditions"]}
    entries = [e for e in register(seeded)["entries"] if e["capability"] == "MOC-MDS"]
    assert {e["condition"]["id"]: e["number"] for e in entries} == in_letter
    for entry in entries:
        assert entry["letter"] == {
            "decision_id": decided.json()["id"],
            "considered_on": "2020-03-06",
            "number": entry["number"],
        }
    rows = csv_rows(seeded.get("/v1/register", params={"format": "csv", "capability": "MOC-MDS"}).content)
    assert [row["In the letter"] for row in rows] == [f"condition {n}, decision of 6 March 2020" for n in range(1, 5)]
    # Entered today, set by the Panel on 6 March 2020 (the carried one by its earlier decision of July 2019).
    assert [row["Raised on"] for row in rows] == ["2020-03-06", "2019-07-12", "2020-03-06", "2020-03-06"]


def test_filters_narrow_the_register_and_keep_each_capabilitys_numbers(seeded: ActingClient) -> None:
    every = register(seeded)["entries"]
    only_secure = register(seeded, capability="MOC-SECURE")["entries"]
    assert [e["number"] for e in only_secure] == [1, 2, 3]
    assert {e["capability"] for e in only_secure} == {"MOC-SECURE"}
    go_live = register(seeded, kind="prerequisite_go_live")["entries"]
    assert [(e["capability"], e["number"]) for e in go_live] == [
        ("MOC-MDS", 1),
        ("MOC-SECURE", 1),
        ("MOC-SECURE", 2),
    ]
    ssc = register(seeded, owner="SSC")["entries"]
    assert ssc
    assert all(e["condition"]["owner"] == "SSC" for e in ssc)
    assert len(ssc) < len(every)
    first = every[0]["condition"]["id"]
    satisfied = seeded.post(f"/v1/conditions/{first}/events", json={"action": "satisfy", "evidence": "CIO report"})
    assert satisfied.status_code == 201, satisfied.text
    open_only = register(seeded, open="true")["entries"]
    assert first not in {e["condition"]["id"] for e in open_only}
    assert len(open_only) == len(every) - 1
    assert [e["condition"]["id"] for e in register(seeded, status="satisfied")["entries"]] == [first]
    # Every filter left empty, as a form's "any" sends it, shows everything.
    assert len(register(seeded, capability="", owner="", kind="", status="", open="")["entries"]) == len(every)
    assert register(seeded, capability="MOC-MDS", open="true")["filters"] == {
        "capability": "MOC-MDS",
        "owner": None,
        "kind": None,
        "status": None,
        "open_only": True,
    }


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("capability", "MOC-NOPE", "no capability called 'MOC-NOPE' has evidence; known: MOC-MDS and MOC-SECURE"),
        ("owner", "PANEL", "'PANEL' is not a group; give TAG, OPSG or SSC"),
        ("kind", "go_live", "'go_live' is not a kind of condition"),
        ("status", "closed", "'closed' is not a status; give open, satisfied, waived or breached"),
        ("open", "maybe", "'maybe' is neither yes nor no; give true or false"),
    ],
)
def test_a_bad_filter_is_refused_naming_the_parameter(seeded: ActingClient, name: str, value: str, says: str) -> None:
    for form in ("json", "csv", "xlsx"):
        answer = seeded.get("/v1/register", params={name: value, "format": form})
        assert answer.status_code == 422, form
        body = answer.json()
        assert body["code"] == "invalid_request"
        [problem] = body["details"]["problems"]
        assert problem["path"] == f"query.{name}"
        assert problem["message"].startswith(says)
    for path in ("/register", "/register.csv", "/register.xlsx"):
        page = seeded.get(path, params={name: value})
        assert page.status_code == 422, path
        assert page.headers["content-type"].startswith("text/html")
        assert f"{name}: " in page.text
        assert "Not accepted" in page.text


def test_a_csv_cell_that_a_spreadsheet_would_run_is_neutralised(seeded: ActingClient) -> None:
    formulas = ['=HYPERLINK("https://example.invalid","click")', "+1+2", "-3", "@SUM(A1)"]
    for text in formulas:
        add(seeded, Role.TAG, owner="TAG", criteria=["LSC1"], text=text, due=text)
    rows = csv_rows(seeded.get("/register.csv", params={"owner": "TAG"}).content)
    assert sorted(row["Condition"] for row in rows) == sorted(f"'{text}" for text in formulas)
    assert sorted(row["Due"] for row in rows) == sorted(f"'{text}" for text in formulas)
    for row in rows:  # nothing else in a row starts as a formula would
        assert not any(value.startswith(("=", "+", "-", "@")) for value in row.values())
    # The workbook keeps the text as it was typed, as text that no spreadsheet evaluates.
    sheet = load_workbook(io.BytesIO(seeded.get("/register.xlsx", params={"owner": "TAG"}).content))["Conditions"]
    cells = [sheet.cell(row=r, column=6) for r in range(2, sheet.max_row + 1)]
    assert sorted(cell.value for cell in cells) == sorted(formulas)
    assert {cell.data_type for cell in cells} == {"s"}


def test_the_exports_hold_the_filtered_register_in_words(seeded: ActingClient) -> None:
    answer = seeded.get("/register.xlsx", params={"capability": "MOC-MDS"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert answer.headers["content-disposition"].startswith('attachment; filename="conditions-register-')
    rows = xlsx_rows(answer.content)
    assert [(row["Capability"], row["No."]) for row in rows] == [("MOC-MDS", n) for n in range(1, 5)]
    carried = rows[1]
    assert carried["Kind"] == "Prerequisite to migration start (carried over)"
    assert carried["Owner"] == "SSC"
    assert carried["Criteria"] == "LSC 10.4"
    assert carried["Status"] == "Open"
    assert carried["Overdue"] == "No"
    assert carried["Came from"] == f"Carried over from {ORIGIN}"
    assert carried["Raised on"] == datetime(2019, 7, 12), "set by the earlier decision, not when it was entered"
    assert carried["Also attached to"] == "MOC-SECURE condition 3: open"
    assert carried["In the letter"] == "Not attached to a decision"
    assert rows[0]["Came from"] == "Raised from version 1 of DCC's evidence"
    about = load_workbook(io.BytesIO(answer.content))["About"]
    assert about.cell(row=2, column=1).value == "Showing: capability MOC-MDS"
    via_api = seeded.get("/v1/register", params={"capability": "MOC-MDS", "format": "csv"})
    assert via_api.headers["content-type"] == "text/csv; charset=utf-8"
    assert [row["Condition"] for row in csv_rows(via_api.content)] == [row["Condition"] for row in rows]


def test_a_confidential_condition_is_withheld_from_every_role_not_entitled(seeded: ActingClient) -> None:
    made = add(seeded, Role.SSC, owner="SSC", text=SECRET, due="before the SSC meeting", confidential=True)
    entitled = {Role.SSC, Role.PANEL}
    for role in (Role.DCC, Role.TAG, Role.OPSG, Role.SSC, Role.PANEL, Role.OBSERVER):
        headers = bearer(seeded.tokens[role])
        [entry] = [e for e in register(seeded, role)["entries"] if e["condition"]["id"] == made["id"]]
        page = seeded.get("/register", headers=headers).text
        csv_text = seeded.get("/register.csv", headers=headers).content.decode("utf-8-sig")
        xlsx = json.dumps(xlsx_rows(seeded.get("/register.xlsx", headers=headers).content), default=str)
        if role in entitled:
            assert entry["condition"]["text"] == SECRET
            assert all(SECRET in shown for shown in (page, csv_text, xlsx)), role
        else:
            assert entry["condition"]["text"] == WITHHELD
            assert entry["condition"]["due"] == WITHHELD
            assert all(SECRET not in shown and WITHHELD in shown for shown in (page, csv_text, xlsx)), role


def test_the_stricter_copy_of_a_thread_governs_every_capabilitys_copy(tmp_path: Path) -> None:
    pack, public = json.loads(MDS), json.loads(SECURE)
    pack["earlier_conditions"][0]["confidential"] = True
    public["security"]["independent_assurance"]["confidential"] = False  # nothing behind MOC-SECURE's copy is
    with fresh_database("sqlite", tmp_path) as settings, acting_client(settings) as client:
        for body in (pack, public):
            assert client.post("/v1/submissions", content=json.dumps(body).encode()).status_code == 201
        alone = client.get(
            "/v1/conditions", params={"capability": "MOC-SECURE"}, headers=bearer(client.tokens[Role.OPSG])
        )
        assert not any(c["confidential"] for c in alone.json())  # MOC-SECURE's own register holds it public
        for role, shown in ((Role.OPSG, False), (Role.DCC, False), (Role.SSC, True), (Role.PANEL, True)):
            found = register(client, role)
            copies = [e for e in found["entries"] if e["carried_from"] == "EPCL-2019-07-C1"]
            assert [e["capability"] for e in copies] == ["MOC-MDS", "MOC-SECURE"]
            for entry in copies:  # the MOC-SECURE pack did not flag it, but it is the same condition
                assert (entry["condition"]["text"] != WITHHELD) is shown, (role, entry["capability"])
                assert (entry["origin"] == ORIGIN) is shown
            assert found["threads"][0]["origin"] == (ORIGIN if shown else WITHHELD)
            assert [m["status"] for m in found["threads"][0]["members"]] == ["open", "open"]  # statuses stay


def test_the_page_shows_the_thread_and_capabilities_in_plain_words(seeded: ActingClient) -> None:
    page = seeded.get("/register", params={"owner": "SSC"})
    assert page.status_code == 200
    text = page.text
    assert "Carried over from earlier decisions" in text
    assert f"From {ORIGIN}." in text
    assert "MOC-MDS as condition 2 (open) and MOC-SECURE as condition 3 (open)" in text
    assert "Showing owned by SSC:" in text
    assert 'href="/register.csv?owner=SSC"' in text
    assert 'href="/register.xlsx?owner=SSC"' in text
    assert '<option value="SSC" selected>SSC</option>' in text
    conditions = register(seeded)["entries"]
    for entry in conditions:  # no record ids, keys, rule ids or earlier conditions' ids as text
        condition = entry["condition"]
        for ident in (condition["id"], condition["key"], condition["source"], entry["carried_from"]):
            assert ident is None or ident not in text.replace(f"/capabilities/{entry['capability']}/", ""), ident
    assert "LSC 10.4" in text
    assert "LSC10.4" not in text
    shown = re.sub(r"<[^>]+>", " ", text.split("<main", 1)[1])
    assert not re.findall(r"\b[a-z]+_[a-z_]+\b", shown), "a value's internal name is shown as text"


def _state(ident: str, capability: str, source: str, *, confidential: bool, status: Status) -> ConditionState:
    """Make a condition on a capability's register, as the store reads it back."""
    return condition_state(
        id=ident,
        capability=capability,
        key=f"key-{ident}",
        text=f"Condition {ident}",
        source=source,
        created_at=datetime(2020, 3, 6, tzinfo=UTC),
        status=status,
        confidential=confidential,
    )


def _conditions(seed: int, capabilities: int, earlier: int) -> dict[str, list[ConditionState]]:
    """Generate capabilities' conditions: some their own, some carried over from a few earlier ones, repeats and all."""
    rng = random.Random(seed)
    found: dict[str, list[ConditionState]] = {}
    for c in range(capabilities):
        capability = f"CAP-{c:03d}"
        states = []
        for n in range(rng.randint(0, 6)):
            carried = rng.random() < 0.6
            source = f"{CARRIED}EARLIER-{rng.randrange(earlier)}" if carried else "rule:LSC10.4"
            confidential, status = rng.random() < 0.2, rng.choice(list(Status))
            states.append(_state(f"{capability}-{n}", capability, source, confidential=confidential, status=status))
        found[capability] = states
    return found


def _built(conditions: dict[str, list[ConditionState]], filters: Filters) -> Register:
    """Build the register of generated conditions, with no evaluations, versions or letters behind them."""
    return build(conditions, copies={}, versions={}, letters={}, filters=filters, as_on=date(2020, 3, 6))


def _former_threaded(entries: list[Entry]) -> list[Entry]:
    """Thread the copies as the register did before it worked out each thread's members once: the reference."""
    threads: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.carried_from is not None:
            threads.setdefault(entry.carried_from, []).append(entry)
    result = []
    for entry in entries:
        thread = threads.get(entry.carried_from) if entry.carried_from is not None else None
        if not thread:
            result.append(entry)
            continue
        confidential = any(e.condition.confidential for e in thread)
        others = [
            Member(capability=e.capability, number=e.number, status=e.condition.status)
            for e in thread
            if e is not entry
        ]
        condition = entry.condition.model_copy(update={"confidential": confidential})
        result.append(entry.model_copy(update={"condition": condition, "alongside": others}))
    return result


class CountingList(list[Entry]):
    """A register's entries that count how many of them are read by going through the list."""

    reads = 0

    def __iter__(self) -> Iterator[Entry]:
        for entry in super().__iter__():
            self.reads += 1
            yield entry


FILTERS = [Filters(), Filters(capability="CAP-003"), Filters(status=Status.OPEN), Filters(open_only=True)]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("filters", FILTERS, ids=["all", "capability", "status", "open"])
def test_a_threads_entries_are_those_a_scan_of_the_register_finds_in_its_order(seed: int, filters: Filters) -> None:
    shown = _built(_conditions(seed, capabilities=40, earlier=12), filters)
    carried = [e.carried_from for e in shown.entries if e.carried_from is not None]
    assert carried or filters.capability, "the generated register has threads to look up"
    grouped = shown.by_thread()
    for carried_from in [*dict.fromkeys(carried), "EARLIER-NONE", "rule:LSC10.4"]:
        scanned = [entry for entry in shown.entries if entry.carried_from == carried_from]
        found = grouped.get(carried_from, [])
        assert found == scanned, carried_from
        assert all(a is b for a, b in zip(found, scanned, strict=True)), "the very entries shown, not copies"
    # The threads come in the order of their first entry shown, as they did when each was found by a scan.
    assert list(grouped) == list(dict.fromkeys(carried))
    assert [t.carried_from for t in shown.threads] == list(dict.fromkeys(carried))


@pytest.mark.parametrize("seed", range(6))
def test_each_copy_lists_the_others_and_the_stricter_governs_as_before(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    conditions = _conditions(seed, capabilities=40, earlier=6)
    for filters in FILTERS:
        now = _built(conditions, filters)
        with monkeypatch.context() as before:
            before.setattr(register_module, "_threaded", _former_threaded)
            reference = _built(conditions, filters)
        assert now == reference
        assert now.model_dump_json() == reference.model_dump_json(), "the JSON, threads and all, is unchanged"
    assert any(len(e.alongside) > 1 for e in _built(conditions, Filters()).entries), "some thread has 3+ copies"


def _page_reads(client: ActingClient, monkeypatch: pytest.MonkeyPatch, threads: int) -> tuple[int, int]:
    """Render the register page of one condition carried into each of many capabilities; count entries read."""
    capabilities = [f"CAP-{n:04d}" for n in range(threads)]
    conditions = {
        capability: [_state(f"c{n}", capability, f"{CARRIED}EARLIER-{n}", confidential=False, status=Status.OPEN)]
        for n, capability in enumerate(capabilities)
    }
    built = _built(conditions, Filters())
    entries = CountingList(built.entries)
    shown = built.model_copy(update={"entries": entries})
    monkeypatch.setattr(Committee, "register", lambda _self, _filters: shown)
    page = client.get("/register")
    assert page.status_code == 200, page.text
    assert page.text.count('<tr class="rg-group">') == threads
    return len(entries), entries.reads


def test_the_page_reads_the_entries_a_few_times_not_once_per_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fresh_database("sqlite", tmp_path) as settings, acting_client(settings) as client:
        size, reads = _page_reads(client, monkeypatch, 100)
        bigger, more = _page_reads(client, monkeypatch, 200)
    # More than the redactor's one pass over them: the count sees the page's own reads of the entries.
    assert reads >= 2 * size, reads
    # Twice the threads (and entries) reads at most twice as many entries: reading every entry for each
    # thread, as the page once did, would read four times as many.
    assert bigger == 2 * size
    assert more <= 2 * reads, (reads, more)
    assert reads < size * size // 10


def _register_statements(client: ActingClient, capabilities: range) -> list[str]:
    """Submit a pack carrying a condition of its own for each capability, and list the statements the register runs."""
    carried = json.loads((FIXTURES / "synthetic-carried-over-condition.json").read_text())
    for n in capabilities:
        carried["statement"]["capability"] = f"CAP-{n:03d}"
        carried["earlier_conditions"][0]["id"] = f"EARLIER-{n:03d}"
        assert client.post("/v1/submissions", content=json.dumps(carried).encode()).status_code == 201
    committee: Committee = client.app.state.committee  # type: ignore[attr-defined]
    with statements_sent(committee.database) as statements:
        register = committee.register(Filters())
    assert {e.capability for e in register.entries} >= {f"CAP-{n:03d}" for n in capabilities}
    return statements


def test_the_register_is_read_in_a_few_statements_whatever_the_capabilities(seeded: ActingClient) -> None:
    # Each capability cost five statements (its newest version, each submission and evaluation one at a time, its
    # decisions), and every submission was read with its whole pack (megabytes each) for its version alone.
    few = _register_statements(seeded, range(3))
    many = _register_statements(seeded, range(3, 15))
    assert len(many) == len(few) <= 8, many
    assert not any(re.search(r"submission\.pack\b", statement) for statement in few + many)
