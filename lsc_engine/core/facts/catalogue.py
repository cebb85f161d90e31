"""Every fact a rule may name, read from the declarations of the sections that derive them."""

from __future__ import annotations

from collections.abc import Mapping

from lsc_engine.core.facts.aims import PerformanceAimFacts
from lsc_engine.core.facts.base import Change, Declared, Section
from lsc_engine.core.facts.bcdr import BcdrFacts
from lsc_engine.core.facts.consumers import ConsumerFacts
from lsc_engine.core.facts.incidents import IncidentFacts
from lsc_engine.core.facts.migration import MigrationFacts
from lsc_engine.core.facts.milestones import MilestoneFacts
from lsc_engine.core.facts.operations import OperationsFacts
from lsc_engine.core.facts.performance import PerformanceFacts
from lsc_engine.core.facts.residual import ResidualFacts
from lsc_engine.core.facts.security import SecurityFacts
from lsc_engine.core.facts.testing import TestingFacts

#: The sections of facts, in the order of the evidence they read.
SECTIONS: tuple[type[Section], ...] = (
    TestingFacts,
    MigrationFacts,
    OperationsFacts,
    IncidentFacts,
    MilestoneFacts,
    PerformanceFacts,
    PerformanceAimFacts,
    ConsumerFacts,
    BcdrFacts,
    SecurityFacts,
    ResidualFacts,
)

#: Each fact's declaration by name. A fact that cannot be derived is absent, not zero.
DECLARED: Mapping[str, Declared] = {fact.name: fact for section in SECTIONS for fact in section.declared}

#: Every fact a rule may name, with what it means.
FACTS: Mapping[str, str] = {name: fact.meaning for name, fact in DECLARED.items()}

#: Facts whose value can change with the as-at date alone (windows, ages, due dates); the rest cannot.
TIME_DEPENDENT = frozenset(name for name, fact in DECLARED.items() if fact.changes.with_date)

#: Facts that count days: each grows by one a day while the evidence it counts from stays the same.
DAILY = frozenset(name for name, fact in DECLARED.items() if fact.changes is Change.DAILY)
