"""lsc-engine: evaluates evidence packs against the Live Services Criteria."""

from lsc_engine.core.decision import evaluate
from lsc_engine.core.evaluation import Evaluation, Readiness
from lsc_engine.core.evidence import EvidencePack
from lsc_engine.core.loading import parse_pack, read_pack
from lsc_engine.core.rating import Rating
from lsc_engine.core.ruleset import Ruleset, load_ruleset

__all__ = [
    "Evaluation",
    "EvidencePack",
    "Rating",
    "Readiness",
    "Ruleset",
    "evaluate",
    "load_ruleset",
    "parse_pack",
    "read_pack",
]
