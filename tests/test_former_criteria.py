"""Criteria that moved: the catalogue names their former ids, and evaluations made under them still read."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from api.web.matrix import matrix
from lsc_engine.core.evaluation import Evaluation
from lsc_engine.core.evidence import Group
from lsc_engine.core.loading import read_pack
from lsc_engine.core.rating import Rating
from lsc_engine.core.ruleset import Ruleset, load_ruleset
from lsc_engine.errors import InvalidRuleset

from .conftest import FIXTURES
from .test_ruleset import copy_rules

#: An evaluation stored before the CIO report moved to LSC10.6 and residual risks became a section of their own.
STORED = Path(__file__).resolve().parent / "golden" / "decision-evaluation.json"


def test_the_catalogue_says_where_each_former_criterion_went(ruleset: Ruleset) -> None:
    catalogue = ruleset.catalogue
    assert catalogue.current_id("LSC10.3") == "LSC10.6"
    assert catalogue.current_id("LSC10.5") == "RR"
    assert catalogue.current_id("LSC10.4") == "LSC10.4"
    assert catalogue.current_id("LSC99") == "LSC99", "an id no criterion ever had is left as it is"
    assert catalogue.get("RR").owners == [Group.TAG, Group.OPSG, Group.SSC]
    assert catalogue.get("RR").parent is None


@pytest.mark.parametrize(
    ("formerly", "problem"),
    [(["LSC10.4"], "a former id must name no current criterion"), (["LSC10.3"], "only one successor")],
)
def test_a_former_id_in_use_or_claimed_twice_is_refused(tmp_path: Path, formerly: list[str], problem: str) -> None:
    directory = copy_rules(tmp_path)
    document = yaml.safe_load((directory / "catalogue.yaml").read_text())
    next(c for c in document["criteria"] if c["id"] == "LSC10.2")["formerly"] = formerly
    (directory / "catalogue.yaml").write_text(yaml.safe_dump(document))
    with pytest.raises(InvalidRuleset) as refused:
        load_ruleset(directory)
    assert problem in refused.value.problems[0].message


def test_the_matrix_of_an_evaluation_made_before_shows_its_former_cells(ruleset: Ruleset) -> None:
    stored = Evaluation.model_validate_json(STORED.read_text())
    rows = {row.criterion.id: row for row in matrix(ruleset, stored, read_pack(FIXTURES / "seed-moc-mds-2020-03.json"))}
    former = [criterion for criterion in rows if criterion in ("LSC10.3", "LSC10.5")]
    assert former == ["LSC10.3", "LSC10.5"]
    cio = rows["LSC10.3"]
    assert (cio.criterion.name, cio.criterion.provisional, cio.sub) == (
        "Independent (CIO) assessment reported",
        True,
        True,
    )
    [ssc] = [cell for cell in cio.cells if cell.owned]
    assert (ssc.group, ssc.rating) == (Group.SSC, Rating.AMBER)
    assert ssc.findings[0].rule_id == "LSC10.3-SSC-cio-pending"
    assert not any(cell.owned for cell in rows["RR"].cells), "the stored evaluation did not rate the new section"
    lsc10 = next(cell for cell in rows["LSC10"].cells if cell.group == Group.SSC)
    assert lsc10.rating == Rating.AMBER
