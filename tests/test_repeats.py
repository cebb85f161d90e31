"""A new pack's exclusions may cite one DMC or one defect only so often, since the evaluation repeats each citation;
packs stored before that bound still read. The scope holds back exactly what each exclusion names, or its type."""

from __future__ import annotations

import json
from copy import deepcopy
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsc_engine.core import repeats
from lsc_engine.core.decision import evaluate
from lsc_engine.core.evidence import EvidencePack
from lsc_engine.core.loading import parse_pack, read_stored_pack
from lsc_engine.core.ruleset import Ruleset
from lsc_engine.core.scope import scope_of
from lsc_engine.errors import InvalidPack

from .auth import ActingClient
from .conftest import FIXTURES

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


def test_ten_exclusions_may_hold_back_one_dmc_and_the_eleventh_is_refused_where_it_stands() -> None:
    ten = [exclusion(i, installation_type="active") for i in range(10)]
    scope = scope_of(parse_pack(pack_with(ACTIVE, ten), yaml_allowed=False), date(2021, 6, 1))
    assert [[d.id for d in part.dmcs] for part in scope.held_back] == [["DMC-A", "DMC-B"]] * 10
    assert refused(pack_with(ACTIVE, [*ten, exclusion(10, installation_type="active")])) == [
        (
            "scope.exclusions[10].installation_type",
            "it holds back every active DMC, so DMC 'DMC-A' is held back by 11 exclusions up to here; "
            "at most 10 exclusions may hold back one DMC",
        )
    ]


def test_named_and_type_wide_exclusions_are_counted_together() -> None:
    named = [exclusion(i, dmc_ids=["DMC-B"]) for i in range(5)]
    wide = [exclusion(5 + i, installation_type="active") for i in range(6)]
    [(path, message)] = refused(pack_with(ACTIVE, named + wide))
    assert path == "scope.exclusions[10].installation_type"
    assert "DMC 'DMC-B' is held back by 11 exclusions" in message, "the DMC held back most often is named"
    wide = [exclusion(i, installation_type="active") for i in range(10)]
    late = exclusion(10, dmc_ids=["DMC-D", "DMC-B"])
    assert refused(pack_with(ACTIVE, [*wide, late])) == [
        (
            "scope.exclusions[10].dmc_ids[1]",
            "DMC 'DMC-B' is held back by 11 exclusions up to here; at most 10 exclusions may hold back one DMC",
        )
    ]


def test_what_holds_back_nothing_more_is_not_counted() -> None:
    twice = [exclusion(i, dmc_ids=["DMC-A", "DMC-A"]) for i in range(10)]
    no_such_type = [exclusion(10 + i, installation_type="mixed") for i in range(11)]
    body = pack_with(ACTIVE, twice + no_such_type)
    scope = scope_of(parse_pack(body, yaml_allowed=False), date(2021, 6, 1))
    assert [len(part.dmcs) for part in scope.held_back] == [1] * 10 + [0] * 11


def test_eleven_exclusions_may_not_name_one_defect() -> None:
    document = json.loads(pack_with(ACTIVE, []))
    defect = document["testing"]["defects"][0]["id"]
    exclusions = [exclusion(i, dmc_ids=["DMC-A" if i % 2 else "DMC-B"], defect_id=defect) for i in range(11)]
    assert refused(pack_with(ACTIVE, exclusions)) == [
        (
            "scope.exclusions[10].defect_id",
            f"defect {defect!r} is named by 11 exclusions up to here; at most 10 exclusions may name one defect "
            "(name its DMCs in one exclusion instead)",
        )
    ]


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
        assert paths == ["scope.exclusions[10].installation_type", "scope.exclusions[11].installation_type"]
    assert client.get("/v1/submissions").json() == []


@pytest.mark.api
def test_a_stored_pack_over_the_bound_is_re_evaluated_compared_and_shown(
    client: ActingClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = pack_with(ACTIVE, [exclusion(i, installation_type="active") for i in range(12)])
    monkeypatch.setattr(repeats, "MOST_CITATIONS", 100)  # as if stored before the bound was made
    created = client.post("/v1/submissions", content=body)
    assert created.status_code == 201, created.text
    monkeypatch.undo()
    submission = created.json()["submission"]["id"]
    again = client.post(f"/v1/submissions/{submission}/re-evaluate")
    assert again.status_code == 201, again.text[:200]
    assert len(again.json()["evaluation"]["result"]["scope"]["held_back"]) == 12
    assert client.get(f"/v1/submissions/{submission}/diff").status_code == 200
    page = client.get(f"/submissions/{submission}")
    assert page.status_code == 200
    assert page.text.count("active meters DMC-A") == 12


# -- the scope against its definition -------------------------------------------------------------------------

DAYS = ["2021-06-01", "2021-06-08", "2021-06-25"]


@st.composite
def scopes(draw: st.DrawFn) -> tuple[bytes, date]:
    """A scope of up to 12 DMCs and 12 exclusions, named or type-wide, stated on different days."""
    kinds = draw(st.lists(st.sampled_from(TYPES), min_size=1, max_size=12))
    dmcs = [dmc(f"DMC-{i}", kind, draw(st.sampled_from(DAYS))) for i, kind in enumerate(kinds)]
    dmcs = draw(st.permutations(dmcs))
    ids = [d["id"] for d in dmcs]
    exclusions = []
    for index in range(draw(st.integers(0, 12))):
        given: dict[str, Any] = {"dmc_ids": draw(st.lists(st.sampled_from(ids), max_size=4))}
        if draw(st.booleans()):
            given["installation_type"] = draw(st.sampled_from(TYPES))
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
