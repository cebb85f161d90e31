"""Derived facts: what the rules match, computed from a pack as at a date, each with the evidence behind it.

Each section of the pack has a module here whose facts are declared beside the code that derives them: name,
meaning, the parts of the pack read, and how the value changes with the as-at date. The path to green reads
those declarations to know which facts may change, and asks each section on which dates.
"""

from lsc_engine.core.facts.base import (
    MAX_EVIDENCE_IDS,
    Change,
    Declared,
    Fact,
    FactValue,
    Section,
    fact_values,
)
from lsc_engine.core.facts.catalogue import DAILY, DECLARED, FACTS, SECTIONS, TIME_DEPENDENT
from lsc_engine.core.facts.derivation import Derivation
from lsc_engine.core.facts.known import Excluded

__all__ = [
    "DAILY",
    "DECLARED",
    "FACTS",
    "MAX_EVIDENCE_IDS",
    "SECTIONS",
    "TIME_DEPENDENT",
    "Change",
    "Declared",
    "Derivation",
    "Excluded",
    "Fact",
    "FactValue",
    "Section",
    "fact_values",
]
