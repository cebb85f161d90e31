"""The criteria catalogue and the rules, with their metadata."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import Reader
from api.deps import ServiceDep
from api.errors import RESPONSES, documented
from api.schemas import Catalogue, CriterionRead, RuleList, RuleRead
from lsc_engine.core.ruleset import Rule
from lsc_engine.errors import NotFound

router = APIRouter(prefix="/v1", tags=["rules"], responses=documented(401, 429))


def _rule(rule: Rule) -> RuleRead:
    return RuleRead.model_validate({**rule.model_dump(mode="json"), "provisional": rule.provisional})


@router.get("/rules", response_model=RuleList)
def list_rules(_caller: Reader, service: ServiceDep) -> RuleList:
    """List every rule of the loaded ruleset."""
    return RuleList(ruleset_digest=service.ruleset.digest, rules=[_rule(rule) for rule in service.ruleset.rules])


@router.get("/rules/{rule_id}", response_model=RuleRead, responses={404: RESPONSES[404]})
def get_rule(_caller: Reader, rule_id: str, service: ServiceDep) -> RuleRead:
    """Return one rule."""
    try:
        return _rule(service.ruleset.rule(rule_id))
    except KeyError:
        raise NotFound(f"no rule {rule_id}", details={"rule_id": rule_id}) from None


@router.get("/criteria", response_model=Catalogue)
def list_criteria(_caller: Reader, service: ServiceDep) -> Catalogue:
    """Return the criteria catalogue."""
    criteria = [CriterionRead.model_validate(c.model_dump(mode="json")) for c in service.ruleset.catalogue.criteria]
    return Catalogue(ruleset_digest=service.ruleset.digest, criteria=criteria)
