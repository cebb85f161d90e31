"""The ruleset: rules are data, checked on load, digested, and each behaves as its own examples say."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from lsc_engine.core.compiled import core_compiled
from lsc_engine.core.evidence import Group
from lsc_engine.core.rating import Rating
from lsc_engine.core.rulecheck import check_examples
from lsc_engine.core.ruleset import Ruleset, basis_problem, bundled_rules_dir, is_provisional, load_ruleset
from lsc_engine.errors import InvalidRuleset

from .conftest import RULES


def copy_rules(tmp_path: Path) -> Path:
    """Copy the shipped ruleset somewhere it may be edited."""
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


@pytest.mark.skipif(
    core_compiled(), reason="the wheel carries a copy of its own, whose digest tests/test_wheel.py compares"
)
def test_the_bundled_ruleset_is_the_checkouts_wherever_the_command_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # an empty folder: nothing named rules/ here to be picked up by mistake
    assert bundled_rules_dir() == RULES
    assert load_ruleset().digest == load_ruleset(RULES).digest


def test_a_missing_rules_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(InvalidRuleset, match=f"no rules directory at {tmp_path / 'absent'}"):
        load_ruleset(tmp_path / "absent")


def test_ruleset_covers_every_criterion_and_group(ruleset: Ruleset) -> None:
    assert len(ruleset.rules) >= 30
    covered = {(rule.criterion, rule.group) for rule in ruleset.rules}
    cells = {(criterion.id, group) for criterion, group in ruleset.catalogue.cells}
    assert covered == cells
    assert {rule.group for rule in ruleset.rules} == set(Group)
    assert {f"LSC{n}" for n in range(1, 10)} | {"LSC10.1", "LSC10.2", "LSC10.4", "LSC10.6"} <= {c for c, _ in covered}
    assert {group for criterion, group in covered if criterion == "RR"} == set(Group), "every group assesses them"


def test_every_cell_has_a_green_rule_and_an_insufficient_or_worse_rule(ruleset: Ruleset) -> None:
    for criterion, group in ruleset.catalogue.cells:
        ratings = {r.rating for r in ruleset.rules if (r.criterion, r.group) == (criterion.id, group)}
        assert Rating.GREEN in ratings, f"{criterion.id}/{group} can never be green"
        assert ratings - {Rating.GREEN}, f"{criterion.id}/{group} can never be anything but green"


def test_every_rule_behaves_as_its_examples_say(ruleset: Ruleset) -> None:
    results = check_examples(ruleset)
    assert [r for r in results if not r.passed] == []
    fired = {r.rule_id for r in results if r.expected_to_fire and r.fired}
    assert fired == {rule.id for rule in ruleset.rules}


def test_a_rule_with_a_wrong_example_is_caught(tmp_path: Path) -> None:
    directory = copy_rules(tmp_path)
    path = directory / "lsc02-defects.yaml"
    document = yaml.safe_load(path.read_text())
    sev1 = next(rule for rule in document["rules"] if rule["id"] == "LSC2-TAG-sev1-open")
    sev1["examples"]["fires"] = [{"defects_open_sev1": 0}]
    path.write_text(yaml.safe_dump(document))
    failures = [r for r in check_examples(load_ruleset(directory)) if not r.passed]
    assert [(f.rule_id, f.expected_to_fire) for f in failures] == [("LSC2-TAG-sev1-open", True)]


def test_changing_a_threshold_changes_the_digest_and_the_outcome(tmp_path: Path, ruleset: Ruleset) -> None:
    directory = copy_rules(tmp_path)
    parameters = directory / "parameters.yaml"
    parameters.write_text(parameters.read_text().replace("lookback_max_blocking: 2", "lookback_max_blocking: 9"))
    changed = load_ruleset(directory)
    assert changed.digest != ruleset.digest
    assert changed.parameters.value("lookback_max_blocking") == 9
    assert load_ruleset(RULES).digest == ruleset.digest


def test_adding_a_rule_needs_no_code(tmp_path: Path) -> None:
    directory = copy_rules(tmp_path)
    (directory / "lsc99-extra.yaml").write_text(
        yaml.safe_dump(
            {
                "rules": [
                    {
                        "id": "LSC5-OPSG-few-notices",
                        "title": "Only one notice sent",
                        "criterion": "LSC5",
                        "group": "OPSG",
                        "rating": "amber",
                        "when": [{"fact": "user_communications", "op": "eq", "value": 1}],
                        "message": "Only {user_communications} notice was sent.",
                        "remedy": "Send a reminder.",
                        "basis": "provisional",
                        "examples": {
                            "fires": [{"user_communications": 1}],
                            "does_not_fire": [{"user_communications": 2}],
                        },
                    }
                ]
            }
        )
    )
    extended = load_ruleset(directory)
    assert extended.rule("LSC5-OPSG-few-notices").rating == Rating.AMBER
    assert all(r.passed for r in check_examples(extended))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"when": [{"fact": "no_such_fact", "op": "present"}]}, "unknown fact no_such_fact"),
        ({"when": [{"fact": "defects_open_sev1", "op": "gt", "param": "nope"}]}, "unknown parameter nope"),
        ({"message": "{mystery} defects"}, "template names unknown fact or parameter {mystery}"),
        ({"remedy": None}, "a rule proposing a non-green rating needs a remedy"),
        ({"criterion": "LSC10"}, "SSC does not rate a leaf criterion LSC10"),
    ],
)
def test_bad_rules_are_refused_with_the_reason(tmp_path: Path, edit: dict[str, object], message: str) -> None:
    directory = copy_rules(tmp_path)
    path = directory / "lsc10-security.yaml"
    document = yaml.safe_load(path.read_text())
    document["rules"][1].update(edit)
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(InvalidRuleset) as caught:
        load_ruleset(directory)
    assert message in [p.message for p in caught.value.problems]


def test_a_malformed_rule_names_its_file_and_field(tmp_path: Path) -> None:
    directory = copy_rules(tmp_path)
    path = directory / "lsc02-defects.yaml"
    document = yaml.safe_load(path.read_text())
    document["rules"][0]["rating"] = "purple"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(InvalidRuleset) as caught:
        load_ruleset(directory)
    assert caught.value.problems[0].path == "lsc02-defects.yaml:rules[0]:rating"


def test_every_basis_is_a_source_a_reader_can_find_or_says_provisional(ruleset: Ruleset) -> None:
    for rule in ruleset.rules:
        assert basis_problem(rule.basis) is None, rule.id
        assert "seed" not in rule.basis.lower(), rule.id
    provisional = {rule.id for rule in ruleset.rules if rule.provisional}
    assert "LSC6-OPSG-lookback-red" in provisional, "the 30-day count is the ruleset's own threshold"
    assert "LSC6-OPSG-stability-window" not in provisional, "the 5 days are DCC's agreed go-live criterion"
    assert "LSC6-OPSG-stability-window-planned-deployment" not in provisional
    # Where no window was agreed, the ruleset's default stands in for one: that is this ruleset's own.
    assert {"LSC6-OPSG-default-window", "LSC6-OPSG-default-window-planned-deployment"} <= provisional
    assert "LSC6-OPSG-other-services" in provisional, "the 30-day look-back is the ruleset's own"
    cited = " ".join(rule.basis for rule in ruleset.rules)
    for section in ("SEC Section F2.10A", "SEC Section H9", "SEC Section H13", "SEC Sections H10.9 to H10.11"):
        assert section in cited


@pytest.mark.parametrize(
    ("basis", "problem"),
    [
        ("seed 003, Annex 1", "names an internal file or 'seed NNN'"),
        ("Seed000 section 2.3", "names an internal file or 'seed NNN'"),
        ("003_d8777c10215bfc6b, LSC 6", "names an internal file or 'seed NNN'"),
        ("provisional: see notes.md", "names an internal file or 'seed NNN'"),
        ("provisional; the Panel's letter of 9 March 2020", "starts 'provisional' but not"),
        ("the Panel's letter, Annex 1", "names no dated document"),
    ],
)
def test_a_basis_a_reader_could_not_trace_is_refused(tmp_path: Path, basis: str, problem: str) -> None:
    directory = copy_rules(tmp_path)
    path = directory / "lsc02-defects.yaml"
    document = yaml.safe_load(path.read_text())
    document["rules"][0]["basis"] = basis
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(InvalidRuleset) as caught:
        load_ruleset(directory)
    [found] = caught.value.problems
    assert found.path == "lsc02-defects.yaml:rules[0]:basis"
    assert problem in found.message
    assert basis in found.message


@pytest.mark.parametrize(
    ("basis", "provisional"),
    [
        ("provisional", True),
        ("provisional: this ruleset's own threshold", True),
        ("SEC Section H9 (incident management and categories)", False),
        ("SEC Panel letter to BEIS, 9 March 2020, Annex 1, LSC 9", False),
    ],
)
def test_a_rule_is_provisional_exactly_when_its_basis_says_so(basis: str, provisional: bool) -> None:
    assert basis_problem(basis) is None
    assert is_provisional(basis) is provisional
