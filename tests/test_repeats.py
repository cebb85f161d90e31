"""A new pack's exclusions may cite one DMC or one defect only so often, and it may carry only so many earlier
conditions, since the evaluation repeats each; a refusal stays smaller than the pack; packs stored before these
bounds still read. The scope holds back exactly what each exclusion names, or its type."""

from __future__ import annotations

import io
import json
from collections import Counter
from copy import deepcopy
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsc_engine.core import repeats
from lsc_engine.core.decision import evaluate
from lsc_engine.core.evidence import EvidencePack
from lsc_engine.core.loading import parse_pack, read_stored_pack
from lsc_engine.core.repeats import check_repeats
from lsc_engine.core.ruleset import Ruleset
from lsc_engine.core.scope import scope_of
from lsc_engine.errors import InvalidPack
from lsc_engine.services.submissions import Service
from lsc_engine.spreadsheets import export, read_upload

from .auth import ActingClient
from .conftest import FIXTURES
from .helpers import run_lsc

HELD_BACK = json.loads((FIXTURES / "synthetic-held-back-scope.json").read_text())
STATED = {"source": "DCC statement of readiness", "date": "2021-06-01"}
TYPES = ["active", "dormant", "mixed"]


def dmc(dmc_id: str, kind: str, day: str = "2021-06-01") -> dict[str, Any]:
    stated = {**STATED, "date": day}
    return {"id": dmc_id, "name": f"{kind} meters {dmc_id}", "installation_type": kind, "provenance": stated}


def exclusion(index: int, day: str = "2021-06-01", **given: Any) -> dict[str, Any]:
    return {"id": f"EXC-{index}", "reason": "Held back for a fix", "provenance": {**STATED, "date": day}, **given}


def pack_with(dmcs: list[dict[str, Any]], exclusions: list[dict[str, Any]]) -> bytes:
    document = deepcopy(HELD_BACK)
    document["scope"] = {"dmcs": dmcs, "exclusions": exclusions}
    return json.dumps(document).encode()


def refused(body: bytes) -> list[tuple[str, str]]:
    with pytest.raises(InvalidPack) as caught:
        parse_pack(body, yaml_allowed=False)
    return [(problem.path, problem.message) for problem in caught.value.problems]


ACTIVE = [dmc("DMC-A", "active"), dmc("DMC-B", "active"), dmc("DMC-D", "dormant")]
FIVE = "scope.exclusions[0], scope.exclusions[1], scope.exclusions[2], scope.exclusions[3] and scope.exclusions[4]"
WHY = "at most 5 exclusions may hold back one DMC, for the evaluation repeats it under each"


def test_five_exclusions_may_hold_back_one_dmc_and_the_sixth_is_refused_where_it_stands() -> None:
    five = [exclusion(i, installation_type="active") for i in range(5)]
    scope = scope_of(parse_pack(pack_with(ACTIVE, five), yaml_allowed=False), date(2021, 6, 1))
    assert [[d.id for d in part.dmcs] for part in scope.held_back] == [["DMC-A", "DMC-B"]] * 5
    seven = [*five, exclusion(5, installation_type="active"), exclusion(6, installation_type="active")]
    assert refused(pack_with(ACTIVE, seven)) == [
        (
            "scope.exclusions[5].installation_type",
            f"this exclusion holds back every active DMC, and DMC 'DMC-A' is already held back by {FIVE}; {WHY}",
        ),
        (
            "scope.exclusions[6].installation_type",
            "every active DMC is held back once more here (see scope.exclusions[5])",
        ),
    ]


def test_named_and_type_wide_exclusions_are_counted_together() -> None:
    named = [exclusion(i, dmc_ids=["DMC-B"]) for i in range(3)]
    wide = [exclusion(3 + i, installation_type="active") for i in range(3)]
    [(path, message)] = refused(pack_with(ACTIVE, named + wide))
    assert path == "scope.exclusions[5].installation_type"
    assert f"DMC 'DMC-B' is already held back by {FIVE};" in message, "the DMC held back most often is named"
    later = [*named, exclusion(3, dmc_ids=["DMC-A"]), *(exclusion(4 + i, installation_type="active") for i in range(3))]
    [(path, message)] = refused(pack_with(ACTIVE, later))
    assert path == "scope.exclusions[6].installation_type", "DMC-B, named more often than DMC-A named since"
    assert "'DMC-B' is already held back by scope.exclusions[0], scope.exclusions[1], scope.exclusions[2]," in message
    wide = [exclusion(i, installation_type="active") for i in range(5)]
    late = exclusion(5, dmc_ids=["DMC-D", "DMC-B", "DMC-A"])
    assert refused(pack_with(ACTIVE, [*wide, late])) == [
        (
            "scope.exclusions[5].dmc_ids[1]",
            f"DMC 'DMC-B' is already held back by {FIVE}; {WHY}; the same holds for 1 other DMC it names",
        )
    ]


def test_what_holds_back_nothing_more_is_not_counted() -> None:
    twice = [exclusion(i, dmc_ids=["DMC-A", "DMC-A"]) for i in range(5)]
    no_such_type = [exclusion(5 + i, installation_type="mixed") for i in range(6)]
    no_such_defect = [exclusion(11 + i, dmc_ids=["DMC-D"], defect_id="DEF-NOT-LISTED") for i in range(5)]
    body = pack_with(ACTIVE, twice + no_such_type + no_such_defect)
    scope = scope_of(parse_pack(body, yaml_allowed=False), date(2021, 6, 1))
    assert [len(part.dmcs) for part in scope.held_back] == [1] * 5 + [0] * 6 + [1] * 5


def test_six_exclusions_may_not_name_one_defect() -> None:
    document = json.loads(pack_with(ACTIVE, []))
    defect = document["testing"]["defects"][0]["id"]
    exclusions = [exclusion(i, dmc_ids=["DMC-A" if i % 2 else "DMC-B"], defect_id=defect) for i in range(6)]
    assert refused(pack_with(ACTIVE, exclusions)) == [
        (
            "scope.exclusions[5].defect_id",
            f"defect {defect!r} is already named by {FIVE}; at most 5 exclusions may name one defect, for the "
            "evaluation repeats it under each; name the DMCs it holds back in one exclusion",
        )
    ]


def test_an_exclusion_gets_one_problem_however_many_of_its_dmcs_are_held_back_too_often() -> None:
    dmcs = [dmc(f"DMC-{i}", "active") for i in range(200)]
    every = [exclusion(i, dmc_ids=[d["id"] for d in dmcs]) for i in range(8)]
    problems = refused(pack_with(dmcs, every))
    assert [path for path, _ in problems] == [f"scope.exclusions[{i}].dmc_ids[0]" for i in (5, 6, 7)]
    assert problems[0][1].endswith("; the same holds for 199 other DMCs it names")


def test_a_dmc_is_told_of_in_full_once_and_pointed_back_to_after() -> None:
    exclusions = [exclusion(i, dmc_ids=["DMC-A" if i < 3 else "DMC-B"]) for i in range(6)]
    exclusions += [exclusion(6 + i, installation_type="active") for i in range(4)]
    exclusions += [exclusion(10, dmc_ids=["DMC-B"]), exclusion(11, dmc_ids=["DMC-A"])]
    first_b = ", ".join(f"scope.exclusions[{i}]" for i in (3, 4, 5, 6, 7))
    assert refused(pack_with(ACTIVE, exclusions)) == [
        (
            "scope.exclusions[8].installation_type",
            "this exclusion holds back every active DMC, and DMC 'DMC-A' is already held back by scope.exclusions[0], "
            f"scope.exclusions[1], scope.exclusions[2], scope.exclusions[6] and scope.exclusions[7]; {WHY}",
        ),
        (
            "scope.exclusions[9].installation_type",
            "every active DMC is held back once more here (see scope.exclusions[8])",
        ),
        ("scope.exclusions[10].dmc_ids[0]", f"DMC 'DMC-B' is already held back by {first_b} and 2 more; {WHY}"),
        (
            "scope.exclusions[11].dmc_ids[0]",
            "DMC 'DMC-A' is held back once more here (see scope.exclusions[8])",
        ),
    ]


def test_a_refusal_stays_smaller_than_the_pack_and_lists_at_most_a_thousand_problems() -> None:
    body = pack_with(ACTIVE, [exclusion(i, installation_type="active") for i in range(3_000)])
    with pytest.raises(InvalidPack) as caught:
        parse_pack(body, yaml_allowed=False)
    assert str(caught.value) == "the pack is not a valid evidence pack: 2995 problems"
    problems = caught.value.problems
    assert [p.path for p in problems] == [f"scope.exclusions[{i}].installation_type" for i in range(5, 1005)]
    assert caught.value.details == {"unlisted": 1995}
    assert max(len(problem.message) for problem in problems[1:]) < 100, "told in full once, then pointed back to"
    assert sum(len(p.path) + len(p.message) for p in problems) < len(body)


def upload(body: bytes, *, dmc_dates: str | None = None) -> InvalidPack:
    """Export a pack to a workbook (its DMCs' dates replaced, if given), import it, and return the refusal."""
    workbook = openpyxl.load_workbook(io.BytesIO(export(read_stored_pack(body.decode()))))
    if dmc_dates is not None:
        sheet = workbook["scope.dmcs"]
        [column] = [cell.column for cell in sheet[1] if cell.value == "provenance.date"]
        for row in range(2, sheet.max_row + 1):
            sheet.cell(row, column).value = dmc_dates
    written = io.BytesIO()
    workbook.save(written)
    with pytest.raises(InvalidPack) as caught:
        read_upload(written.getvalue(), "pack.xlsx")
    return caught.value


def test_an_import_counts_every_problem_once_however_many_are_listed() -> None:
    unreadable = upload(pack_with([dmc(f"DMC-{i}", "active") for i in range(1_200)], []), dmc_dates="not a date")
    assert str(unreadable) == "pack.xlsx does not build into a valid evidence pack: 1200 problems"
    assert (len(unreadable.problems), unreadable.details["unlisted"]) == (1_000, 200)
    repeated = upload(pack_with(ACTIVE, [exclusion(i, installation_type="active") for i in range(1_200)]))
    assert str(repeated) == "pack.xlsx does not build into a valid evidence pack: 1195 problems"
    assert (len(repeated.problems), repeated.details["unlisted"]) == (1_000, 195)
    assert repeated.problems[0].path == "pack.xlsx, scope.exclusions sheet, row 7, column F (installation_type)"


@pytest.mark.api
def test_the_self_check_page_and_the_command_line_say_how_many_problems_they_leave_out(
    client: ActingClient, tmp_path: Path
) -> None:
    body = pack_with(ACTIVE, [exclusion(i, installation_type="active") for i in range(1_200)])
    page = client.post("/self-check", files={"pack": ("pack.json", body)})
    assert page.status_code == 422
    assert "<p>1195 problems, the first 1000 listed:</p>" in page.text
    assert "<li>and 195 more problems not listed</li>" in page.text
    (tmp_path / "pack.json").write_bytes(body)
    checked = run_lsc("check", str(tmp_path / "pack.json"))
    assert checked.returncode == 2
    assert "is not a valid evidence pack: 1195 problems" in checked.stderr
    assert checked.stderr.rstrip().endswith("and 195 more problems not listed")


def test_a_pack_may_carry_fifty_earlier_conditions_and_no_more() -> None:
    document = json.loads((FIXTURES / "seed-moc-mds-2020-03.json").read_text())
    [condition] = document["earlier_conditions"]

    def carrying(count: int) -> bytes:
        document["earlier_conditions"] = [{**condition, "id": f"C-{i}", "key": f"condition-{i}"} for i in range(count)]
        return json.dumps(document).encode()

    assert len(parse_pack(carrying(50), yaml_allowed=False).earlier_conditions) == 50
    assert refused(carrying(51)) == [
        (
            "earlier_conditions[50]",
            "the pack carries 51 earlier conditions; at most 50 may be carried, for the evaluation repeats each on "
            "every criterion it weighs on",
        )
    ]
    assert len(read_stored_pack(carrying(51).decode()).earlier_conditions) == 51


def test_a_pack_stored_before_the_bound_still_reads_and_evaluates(ruleset: Ruleset) -> None:
    body = pack_with(ACTIVE, [exclusion(i, installation_type="active") for i in range(12)])
    assert refused(body)
    pack = read_stored_pack(body.decode())
    scope = evaluate(pack, ruleset, as_at=date(2021, 6, 1)).scope
    assert scope is not None
    assert [d.id for d in scope.covered] == ["DMC-D"]
    assert [[d.id for d in part.dmcs] for part in scope.held_back] == [["DMC-A", "DMC-B"]] * 12


@pytest.mark.api
def test_the_service_refuses_such_a_pack_by_path_and_keeps_nothing(client: ActingClient) -> None:
    body = pack_with(ACTIVE, [exclusion(i, installation_type="active") for i in range(12)])
    for route in ("/v1/self-check", "/v1/submissions"):
        answer = client.post(route, content=body)
        assert answer.status_code == 422, (route, answer.text)
        paths = [problem["path"] for problem in answer.json()["details"]["problems"]]
        assert paths == [f"scope.exclusions[{i}].installation_type" for i in range(5, 12)]
    assert client.get("/v1/submissions").json() == []


@pytest.mark.api
def test_stored_packs_over_the_bounds_are_read_again_wherever_a_stored_pack_is(
    client: ActingClient, ruleset: Ruleset, monkeypatch: pytest.MonkeyPatch
) -> None:
    wide = [exclusion(i, installation_type="active") for i in range(12)]
    monkeypatch.setattr(repeats, "MOST_CITATIONS", 100)  # as if stored before the bound was made
    first = client.post("/v1/submissions", content=pack_with(ACTIVE, wide)).json()["submission"]["id"]
    renamed = [{**ACTIVE[0], "name": "active meters, renamed"}, *ACTIVE[1:]]
    later = client.post("/v1/submissions", params={"as_at": "2021-06-20"}, content=pack_with(renamed, wide))
    assert later.status_code == 201, later.text[:300]
    second = later.json()["submission"]["id"]
    monkeypatch.undo()
    assert refused(pack_with(ACTIVE, wide)), "new packs are held to the bound"

    again = client.post(f"/v1/submissions/{first}/re-evaluate")
    assert again.status_code == 201, again.text[:200]
    assert len(again.json()["evaluation"]["result"]["scope"]["held_back"]) == 12
    compared = client.get(f"/v1/submissions/{second}/diff", params={"from": first, "to": second})
    assert compared.status_code == 200, compared.text[:300]
    assert set(compared.json()["differing"]) == {"evidence", "as_at"}, "the new pack is evaluated at the old date"
    page = client.get(f"/submissions/{first}")
    assert page.status_code == 200
    assert page.text.count("active meters DMC-A") == 12
    assert client.get("/capabilities/FOC-TRANCHE-3/timeline").status_code == 200
    service: Service = client.app.state.service  # type: ignore[attr-defined]
    assert service.replay(ruleset)[0] == 2
    decision = {"outcome": "recommend", "considered_on": "2021-06-22"}
    decided = client.post(f"/v1/submissions/{second}/decisions", json=decision)
    assert decided.status_code == 201, decided.text[:300]
    letter = client.get(f"/v1/decisions/{decided.json()['id']}/letter", params={"format": "markdown"})
    assert letter.status_code == 200
    assert "active meters, renamed" in letter.text


# -- the scope against its definition -------------------------------------------------------------------------

DAYS = ["2021-06-01", "2021-06-08", "2021-06-25"]
DEFECT = HELD_BACK["testing"]["defects"][0]["id"]


@st.composite
def scopes(draw: st.DrawFn) -> tuple[bytes, date]:
    """A scope of up to 12 DMCs and 12 exclusions, named or type-wide, stated on different days."""
    kinds = draw(st.lists(st.sampled_from(TYPES), min_size=1, max_size=12))
    dmcs = [dmc(f"DMC-{i}", kind, draw(st.sampled_from(DAYS))) for i, kind in enumerate(kinds)]
    dmcs = draw(st.permutations(dmcs))
    ids = [d["id"] for d in dmcs]
    exclusions = []
    for index in range(draw(st.integers(0, 16))):
        given: dict[str, Any] = {"dmc_ids": draw(st.lists(st.sampled_from(ids), max_size=4))}
        if draw(st.booleans()):
            given["installation_type"] = draw(st.sampled_from(TYPES))
        given["defect_id"] = draw(st.sampled_from([None, DEFECT, "DEF-NOT-LISTED"]))
        exclusions.append(exclusion(index, draw(st.sampled_from(DAYS)), **given))
    as_at = draw(st.sampled_from([date(2021, 6, 1), date(2021, 6, 10), date(2021, 7, 1)]))
    return pack_with(dmcs, exclusions), as_at


def defined(pack: EvidencePack, as_at: date) -> tuple[list[str], list[list[str]]]:
    """The scope as its definition reads: each exclusion against every DMC stated by the as-at date."""
    dmcs = [d for d in pack.scope.dmcs if d.provenance.date <= as_at]
    held: list[list[str]] = []
    for part in (e for e in pack.scope.exclusions if e.provenance.date <= as_at):
        named = set(part.dmc_ids)
        kind = part.installation_type
        held.append([d.id for d in dmcs if d.id in named or (not named and d.installation_type == kind)])
    held_ids = {dmc_id for ids in held for dmc_id in ids}
    return [d.id for d in dmcs if d.id not in held_ids], held


@given(scopes())
@settings(max_examples=300)
def test_the_scope_holds_back_what_each_exclusion_names_or_every_dmc_of_its_type(drawn: tuple[bytes, date]) -> None:
    body, as_at = drawn
    pack = read_stored_pack(body.decode())
    scope = scope_of(pack, as_at)
    got = ([d.id for d in scope.covered], [[d.id for d in part.dmcs] for part in scope.held_back])
    assert got == defined(pack, as_at)


def too_often(pack: EvidencePack) -> list[int]:
    """The exclusions that, counted in order, make a DMC held back or a defect named more than five times."""
    defects = {defect.id for defect in (pack.testing.defects if pack.testing and pack.testing.defects else [])}
    held: Counter[str] = Counter()
    named: Counter[str] = Counter()
    found = []
    for index, part in enumerate(pack.scope.exclusions):
        kind = part.installation_type
        ids = set(part.dmc_ids) or {d.id for d in pack.scope.dmcs if d.installation_type == kind}
        held.update(ids)
        if part.defect_id in defects:
            named[part.defect_id] += 1
        if any(held[dmc_id] > 5 for dmc_id in ids) or (part.defect_id in defects and named[part.defect_id] > 5):
            found.append(index)
    return found


@given(scopes())
@settings(max_examples=300)
def test_a_pack_is_refused_at_each_exclusion_citing_a_dmc_or_defect_a_sixth_time(drawn: tuple[bytes, date]) -> None:
    body, _ = drawn
    pack = read_stored_pack(body.decode())
    at_fault = [int(problem.path.removeprefix("scope.exclusions[").split("]")[0]) for problem in check_repeats(pack)]
    assert sorted(set(at_fault)) == too_often(pack)
    assert all(at_fault.count(index) <= 2 for index in at_fault), "one problem for its DMCs, one for its defect"


def test_the_most_an_allowed_pack_can_ask_for_is_under_twelve_times_its_size(ruleset: Ruleset) -> None:
    """Many small DMCs, each held back by as many exclusions as may hold it back: the worst case the bound allows."""
    dmcs = [dmc(str(i), "active") for i in range(2_000)]
    wide = [exclusion(i, installation_type="active") for i in range(5)]
    sizes = {}
    for name, exclusions in (("none held back", []), ("all held back five times", wide)):
        body = pack_with(dmcs, exclusions)
        evaluation = evaluate(parse_pack(body, yaml_allowed=False), ruleset, as_at=date(2021, 6, 20))
        sizes[name] = len(evaluation.model_dump_json()) / len(body)
    assert sizes["none held back"] < 3
    assert sizes["all held back five times"] < 12


def test_an_import_names_the_exclusions_a_refusal_lists_as_one_list_of_rows() -> None:
    refused = upload(pack_with(ACTIVE, [exclusion(i, installation_type="active") for i in range(7)]))
    first, again = refused.problems
    assert first.path == "pack.xlsx, scope.exclusions sheet, row 7, column F (installation_type)"
    assert "is already held back by pack.xlsx, scope.exclusions sheet, rows 2 to 6; at most 5" in first.message
    assert again.message.endswith("once more here (see pack.xlsx, scope.exclusions sheet, row 7)")
