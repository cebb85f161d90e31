"""lsc-engine: evaluates evidence packs against the Live Services Criteria."""

from lsc_engine.decision import evaluate
from lsc_engine.evaluation import Evaluation, Readiness
from lsc_engine.evidence import EvidencePack
from lsc_engine.loading import parse_pack, read_pack
from lsc_engine.ruleset import Rating, Ruleset, load_ruleset

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
