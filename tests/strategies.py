"""Hypothesis strategies that build valid evidence packs as JSON-able documents, with the date to evaluate them at.

Every pack drawn here is meant to pass ``parse_pack``: ids are unique across the pack, references point at
phases and DMCs that exist, a complete phase has its date, and every pairwise constraint of the model holds
(passed <= executed, succeeded <= attempted, ready <= surveyed, resolved >= opened, minimum <= target).
Sections are present or absent at random, so "absent" (not reported) and "empty" (none) are both drawn.

A third of the packs are drawn "good": each field then takes the value that satisfies its criterion nine times
in ten (or 49 in 50), so that green cells and the ``ready`` and ``ready_with_conditions`` outcomes are reached.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any, Protocol, TypeVar

from hypothesis import strategies as st

from lsc_engine.core.text import DIRECTION_CHANGING

Doc = dict[str, Any]
T = TypeVar("T")


class Draw(Protocol):
    """What draws a value: a ``@composite`` strategy's ``draw`` or ``st.data()``'s ``DataObject.draw``.

    ``st.DrawFn`` will not do for the second: the protocol also declares ``__signature__``, which a bound method
    does not have.
    """

    def __call__(self, strategy: st.SearchStrategy[T], label: object = None, /) -> T: ...


EARLIEST_AS_AT = date(2019, 1, 1)
LATEST_AS_AT = date(2024, 12, 31)

#: Condition keys the shipped rules raise, so that earlier conditions sometimes merge with raised ones.
RULE_CONDITION_KEYS = [
    "security-architecture-approval",
    "cio-report-review",
    "han-third-party-assurance",
    "connectivity-transition-reporting",
    "connectivity-pause",
]
CRITERIA = [f"LSC{n}" for n in range(1, 11)] + [f"LSC10.{n}" for n in range(1, 7)]
CONDITION_KINDS = ["prerequisite_go_live", "prerequisite_migration", "ongoing_reporting", "pause_trigger"]
GROUPS = ["TAG", "OPSG", "SSC"]
LEVELS = ["low", "medium", "high"]
MEASURES = ["CPM1", "CPM2", "CPM3"]
PROVIDERS = ["MDS", "Telefonica", "CSP North", "mds"]

# Free text: any character JSON can carry (no lone surrogates).
#: What people may write in a pack: any printable character, line breaks and tabs (``core.text``).
_CHARS = st.characters(
    codec="utf-8", exclude_categories=("Cc", "Cs"), include_characters="\n\r\t", exclude_characters=DIRECTION_CHANGING
)
TEXT = st.text(_CHARS, min_size=1, max_size=24)
SHORT_NAME = st.text(_CHARS, min_size=1, max_size=12)
_ID_TAIL = st.text(st.sampled_from("ABCxyz019._:/-"), max_size=6)


# Percentages near the thresholds, tiny ones (Python writes 1e-05 with an exponent, which durable-rules once
# could not read), and any others.
PERCENT = st.one_of(
    st.sampled_from([0.0, 1e-05, 5e-324, 50.0, 79.995, 95.0, 96.0, 97.5, 98.9, 99.0, 99.5, 100.0]),
    st.floats(0, 100, allow_nan=False, allow_infinity=False),
)


def end_of(day: date) -> datetime:
    """The first instant after a day, UTC (the engine's 'as at a day' includes the whole day)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def timestamp_text(moment: datetime, style: int) -> str:
    """Write a UTC instant as ISO 8601: naive (read as UTC), with Z, or with another offset."""
    if style == 0:
        return moment.replace(tzinfo=None).isoformat()
    if style == 1:
        return moment.replace(tzinfo=None).isoformat() + "Z"
    return moment.astimezone(timezone(timedelta(hours=style - 3))).isoformat()


@dataclass
class Context:
    """What every part of one pack shares: the as-at date, what may be dated later, the bias, unique ids."""

    draw: Draw
    as_at: date
    allow_future: bool
    good: bool = False
    slack: int = 9
    counter: int = 0
    used: set[str] = field(default_factory=set)

    def __call__(self, strategy: st.SearchStrategy[Any]) -> Any:
        return self.draw(strategy)

    def ok(self) -> bool:
        """In a good pack, whether this field satisfies its criterion (all but one time in ``slack + 1``)."""
        return self.good and self.draw(st.integers(0, self.slack)) < self.slack

    def pick(self, good: Any, strategy: st.SearchStrategy[Any]) -> Any:
        """The good value when ``ok()``, else any value."""
        return good if self.ok() else self.draw(strategy)

    def maybe(self, document: Doc, key: str, strategy: st.SearchStrategy[Any]) -> None:
        """Set an optional field half the time."""
        if self.draw(st.booleans()):
            document[key] = self.draw(strategy)

    def new_id(self, prefix: str) -> str:
        """A pack-unique id: the number after the prefix is unique and is followed by the end or a dot."""
        self.counter += 1
        tail = self.draw(_ID_TAIL)
        value = f"{prefix}-{self.counter}" + (f".{tail}" if tail else "")
        assert value not in self.used
        self.used.add(value)
        return value

    def day(self, *, before: int = 500, after: int = 60, past: bool = False) -> date:
        """A date around as_at: mostly on or before it, sometimes after (never when ``past``)."""
        if not past and self.draw(st.integers(0, 4)) == 4:
            return self.as_at + timedelta(days=self.draw(st.integers(1, after)))
        return self.as_at - timedelta(days=self.draw(st.integers(0, before)))

    def maybe_day(self, document: Doc, key: str, *, past: bool = False) -> None:
        """Set an optional date half the time (to null, or to a date around as_at)."""
        if self.draw(st.booleans()):
            document[key] = None if self.draw(st.integers(0, 3)) == 3 else self.day(past=past).isoformat()

    def provenance(self) -> Doc:
        """Provenance dated on or before as_at, or (when allowed, one time in eight) after it."""
        if self.allow_future and not self.ok() and self.draw(st.integers(0, 7)) == 7:
            dated = self.as_at + timedelta(days=self.draw(st.integers(1, 120)))
        else:
            dated = self.as_at - timedelta(days=self.draw(st.integers(0, 400)))
        return {"source": self.draw(TEXT), "date": dated.isoformat()}

    def item(self, prefix: str, **fields: Any) -> Doc:
        """An evidence item: id, provenance and (sometimes stated) confidentiality, then its own fields."""
        document: Doc = {"id": self.new_id(prefix), "provenance": self.provenance()}
        confidential = self.draw(st.sampled_from([None, False, True]))
        if confidential is not None:
            document["confidential"] = confidential
        document.update(fields)
        return document

    def some(self, build: Callable[[], Any], largest: int) -> list[Any]:
        """A list of up to ``largest`` built values."""
        return [build() for _ in range(self.draw(st.integers(0, largest)))]


# -- sections ----------------------------------------------------------------------------------------------


def statement(ctx: Context) -> Doc:
    document: Doc = {
        "capability": ctx.new_id("CAP").replace(":", "_").replace("/", "-"),  # fit for addresses
        "cohort": ctx(TEXT),
        "submitted_by": ctx(TEXT),
        "date": ctx.day().isoformat(),
    }
    ctx.maybe(document, "service", st.sampled_from(["SMETS1", "SMETS2"]))
    ctx.maybe(document, "summary", st.one_of(st.none(), st.text(_CHARS, max_size=40)))
    return document


def scope(ctx: Context) -> Doc:
    def dmc() -> Doc:
        document = ctx.item(
            "DMC", name=ctx(TEXT), installation_type=ctx(st.sampled_from(["active", "dormant", "mixed"]))
        )
        ctx.maybe(document, "meters", st.one_of(st.none(), st.integers(0, 10**6)))
        return document

    dmcs = [dmc() for _ in range(ctx(st.integers(1, 3)))]
    document: Doc = {"dmcs": dmcs}
    dmc_ids = [d["id"] for d in dmcs]

    def exclusion() -> Doc:
        document = ctx.item("EXC", reason=ctx(TEXT))
        ctx.maybe(document, "dmc_ids", st.lists(st.sampled_from(dmc_ids), max_size=2))
        ctx.maybe(document, "installation_type", st.sampled_from([None, "active", "dormant", "mixed"]))
        ctx.maybe(document, "defect_id", st.sampled_from([None, "DEF-X"]))
        return document

    if ctx(st.booleans()):
        document["exclusions"] = ctx.some(exclusion, 2)
    return document


def phase(ctx: Context) -> Doc:
    status = ctx.pick("complete", st.sampled_from(["planned", "in_progress", "complete"]))
    document = ctx.item(
        "PH",
        name=ctx(SHORT_NAME),
        status=status,
        entry_criteria_met=ctx.pick(True, st.booleans()),
        exit_criteria_met=ctx.pick(True, st.booleans()),
    )
    ctx.maybe(document, "regression", st.booleans())
    if ctx(st.booleans()):
        executed = ctx(st.integers(0, 60))
        document["executed"] = executed
        document["passed"] = ctx.pick(executed, st.one_of(st.none(), st.integers(0, executed)))
    if status == "complete" or ctx(st.booleans()):
        good = ctx.ok()
        document["completed_on"] = ctx.day(before=200, after=30, past=good).isoformat()
    ctx.maybe(document, "approved_by", st.one_of(st.none(), SHORT_NAME))
    return document


def defect(ctx: Context, phase_ids: list[str]) -> Doc:
    document = ctx.item(
        "DEF",
        severity=ctx(st.integers(1, 4)),
        status=ctx.pick("closed", st.sampled_from(["open", "closed"])),
        user_impact=ctx(st.booleans()),
    )
    if phase_ids:
        ctx.maybe(document, "phase_id", st.sampled_from([None, *phase_ids]))
    ctx.maybe_day(document, "fix_due")
    ctx.maybe(document, "summary", st.one_of(st.none(), TEXT))
    return document


def issue(ctx: Context, phase_ids: list[str]) -> Doc:
    document = ctx.item(
        "TI",
        severity=ctx(st.integers(1, 4)),
        phase_id=ctx(st.sampled_from(phase_ids)),
        user_impact=ctx(st.booleans()),
        description=ctx(TEXT),
        resolved=ctx.pick(True, st.booleans()),
    )
    if ctx(st.booleans()):
        document["exception"] = {
            "accepted_by": ctx(SHORT_NAME),
            "accepted_on": ctx.day(before=100, after=30).isoformat(),
            "rationale": ctx(TEXT),
        }
    return document


def testing(ctx: Context) -> Doc:
    document: Doc = {}
    phases = [phase(ctx) for _ in range(ctx(st.integers(1 if ctx.good else 0, 4)))]
    if phases or ctx(st.booleans()):
        document["phases"] = phases
    phase_ids = [p["id"] for p in phases]
    if ctx.ok() or ctx(st.integers(0, 3)):  # defects reported three times in four
        document["defects"] = ctx.some(lambda: defect(ctx, phase_ids), 6)
    if phase_ids and ctx(st.booleans()):
        document["issues"] = ctx.some(lambda: issue(ctx, phase_ids), 3)
    return document


def migration(ctx: Context) -> Doc:
    def rehearsal() -> Doc:
        attempted = ctx(st.one_of(st.integers(0, 100), st.integers(0, 5000)))
        succeeded = ctx.pick(attempted, st.integers(0, attempted))
        dated = ctx.day(before=200, after=30).isoformat()
        return ctx.item("REH", date=dated, attempted=attempted, succeeded=succeeded)

    document: Doc = {}
    reported = ctx.ok() or ctx(st.integers(0, 3)) > 0
    rehearsals = [rehearsal() for _ in range(ctx(st.integers(1 if ctx.good else 0, 3)))] if reported else None
    if rehearsals is not None:
        document["rehearsals"] = rehearsals
    if ctx.ok() or ctx(st.booleans()):
        largest = max((r["attempted"] for r in rehearsals or []), default=0)
        document["planned_daily_volume"] = ctx.pick(largest, st.one_of(st.none(), st.integers(0, 6000)))
    return document


def operations(ctx: Context) -> Doc:
    document: Doc = {}
    if ctx.ok() or ctx(st.integers(0, 3)):
        acceptance = ctx.item("OA", given=ctx.pick(True, st.booleans()))
        if ctx.ok():
            acceptance["date"] = ctx.day(past=True).isoformat()
        else:
            ctx.maybe_day(acceptance, "date")
        ctx.maybe(acceptance, "by", st.one_of(st.none(), SHORT_NAME))
        document["acceptance"] = acceptance
    if ctx(st.booleans()):
        document["service_providers"] = ctx.some(
            lambda: ctx.item("SP", name=ctx(SHORT_NAME), ready=ctx.pick(True, st.booleans())), 3
        )
    return document


def service_users(ctx: Context) -> Doc:
    document: Doc = {}
    if ctx.ok() or ctx(st.integers(0, 3)):
        surveyed = ctx(st.integers(1 if ctx.good else 0, 200))
        ready = ctx.pick(surveyed, st.integers(0, surveyed))
        document["readiness"] = ctx.item("UR", surveyed=surveyed, ready=ready)
    if ctx.ok() or ctx(st.integers(0, 3)):
        low = 1 if ctx.ok() else 0
        document["communications"] = [
            ctx.item("COM", date=ctx.day().isoformat(), audience=ctx(TEXT)) for _ in range(ctx(st.integers(low, 2)))
        ]
    return document


def incident(ctx: Context, *, opened: datetime | None = None) -> Doc:
    """An incident opened near as_at (now and then after it, when allowed), resolved later or not at all."""
    end = end_of(ctx.as_at)
    if opened is None:
        if ctx.allow_future and ctx(st.integers(0, 9)) == 9:
            opened = end + timedelta(minutes=ctx(st.integers(0, 30 * 1440)))
        else:
            opened = end - timedelta(minutes=ctx(st.one_of(st.integers(1, 12 * 1440), st.integers(1, 150 * 1440))))
    document = ctx.item(
        "INC",
        category=ctx.pick(3, st.integers(1, 5)),
        service=ctx(st.sampled_from(["SMETS1", "SMETS2"])),
        opened=timestamp_text(opened, ctx(st.integers(0, 5))),
    )
    if ctx.ok() or ctx(st.integers(0, 4)):
        resolved = opened + timedelta(minutes=ctx(st.one_of(st.integers(0, 600), st.integers(0, 12 * 1440))))
        document["resolved"] = timestamp_text(resolved, ctx(st.integers(0, 5)))
    if ctx.ok():
        document["caused_by_capability"] = False
    else:
        ctx.maybe(document, "caused_by_capability", st.booleans())
    ctx.maybe(document, "summary", st.one_of(st.none(), TEXT))
    return document


def _month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def performance_row(ctx: Context, measure: str, month: int) -> Doc:
    document = ctx.item("PERF", measure=measure, month=_month_text(month), achieved=ctx.pick(100.0, PERCENT))
    if ctx(st.booleans()):
        minimum, target = sorted(ctx(st.lists(PERCENT, min_size=2, max_size=2)))
        if ctx(st.booleans()):
            document["target"] = target
        if ctx(st.booleans()):
            document["minimum"] = minimum
    return document


def performance(ctx: Context) -> list[Doc]:
    as_at_month = ctx.as_at.year * 12 + ctx.as_at.month - 1
    if ctx.ok():  # a contiguous recent series per measure
        rows = []
        for measure in ctx(st.lists(st.sampled_from(MEASURES), min_size=1, max_size=3, unique=True)):
            latest = as_at_month - ctx(st.integers(0, 2))
            rows += [performance_row(ctx, measure, latest - n) for n in range(ctx(st.integers(1, 4)))]
        return rows
    measures = st.one_of(st.sampled_from(MEASURES), st.text(_CHARS, min_size=1, max_size=8))
    return ctx.some(lambda: performance_row(ctx, ctx(measures), as_at_month - ctx(st.integers(-1, 8))), 8)


def consumer_risk(ctx: Context) -> Doc:
    document = ctx.item("CR", description=ctx(TEXT), likelihood=ctx(st.sampled_from(LEVELS)))
    ctx.maybe(document, "mitigation", st.one_of(st.none(), TEXT))
    ctx.maybe_day(document, "mitigation_due")
    if ctx.ok():
        document["mitigated"] = True
    else:
        ctx.maybe(document, "mitigated", st.booleans())
    return document


def bcdr(ctx: Context) -> Doc:
    document: Doc = {}
    required = ctx(st.lists(st.sampled_from(PROVIDERS), max_size=2))
    if required or ctx(st.booleans()):
        document["required_providers"] = required
    if ctx.ok() or ctx(st.integers(0, 3)):
        plan = ctx.item("BCDR", published=ctx.pick(True, st.booleans()))
        if ctx.ok():
            plan["covers_providers"] = [name.upper() for name in required]
        else:
            ctx.maybe(plan, "covers_providers", st.lists(st.sampled_from(PROVIDERS), max_size=3))
            ctx.maybe(plan, "pending_revision", st.one_of(st.none(), TEXT))
        document["plan"] = plan
    if ctx.ok() or ctx(st.integers(0, 3)):

        def test() -> Doc:
            good = ctx.ok()
            dated = ctx.day(before=300 if good else 500, after=30, past=good).isoformat()
            result = ctx.pick("passed", st.sampled_from(["passed", "passed_with_actions", "failed"]))
            return ctx.item("BT", date=dated, result=result)

        document["tests"] = [test() for _ in range(ctx(st.integers(1 if ctx.good else 0, 3)))]
    return document


def security(ctx: Context) -> Doc:
    document: Doc = {}
    if ctx.ok() or ctx(st.integers(0, 3)):
        status = ctx.pick("approved", st.sampled_from(["approved", "pending", "rejected"]))
        document["architecture"] = ctx.item("ARCH", status=status)
    if ctx.ok() or ctx(st.integers(0, 3)):
        status = ctx.pick("complete", st.sampled_from(["not_started", "in_progress", "complete"]))
        tested = ctx.item("SECT", status=status)
        if ctx.ok():
            tested["open_high_findings"] = 0
        else:
            ctx.maybe(tested, "open_high_findings", st.integers(0, 3))
        document["testing"] = tested
    if ctx.ok() or ctx(st.integers(0, 3)):
        status = ctx.pick("confirmed", st.sampled_from(["none", "in_progress", "reported", "confirmed"]))
        assurance = ctx.item("IA", status=status)
        ctx.maybe(assurance, "provider", st.one_of(st.none(), SHORT_NAME))
        ctx.maybe(assurance, "scope", st.one_of(st.none(), TEXT))
        document["independent_assurance"] = assurance
    if ctx.ok() or ctx(st.integers(0, 3)):
        status = ctx.pick("accepted", st.sampled_from(["none", "submitted", "reviewed", "accepted"]))
        document["cio_report"] = ctx.item("CIO", status=status)
    if ctx.ok() or ctx(st.integers(0, 3)):
        arrangement = ctx.pick("target", st.sampled_from(["interim", "target"]))
        link = ctx.item("CONN", arrangement=arrangement, description=ctx(TEXT))
        ctx.maybe(link, "target_description", st.one_of(st.none(), st.text(_CHARS, max_size=20)))
        ctx.maybe_day(link, "target_date")
        document["connectivity"] = link
    if ctx.ok() or ctx(st.integers(0, 3)):

        def found() -> Doc:
            found = ctx.item("SI", description=ctx(TEXT), severity=ctx(st.sampled_from(LEVELS)))
            if ctx.ok():
                found["resolved"] = True
            else:
                ctx.maybe(found, "resolved", st.booleans())
            return found

        document["recent_issues"] = ctx.some(found, 3)
    return document


def residual_risk(ctx: Context) -> Doc:
    document = ctx.item(
        "RR", description=ctx(TEXT), likelihood=ctx(st.sampled_from(LEVELS)), impact=ctx(st.sampled_from(LEVELS))
    )
    for key, strategy in (("mitigation", TEXT), ("accepted_by", SHORT_NAME)):
        if ctx.ok():
            document[key] = ctx(strategy)
        else:
            ctx.maybe(document, key, st.one_of(st.none(), strategy))
    return document


_CONDITION_KEY = st.one_of(st.sampled_from(RULE_CONDITION_KEYS), st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True))


def earlier_condition(ctx: Context, key: str) -> Doc:
    document = ctx.item(
        "EC",
        key=key,
        kind=ctx(st.sampled_from(CONDITION_KINDS)),
        owner=ctx(st.sampled_from(GROUPS)),
        criteria=ctx(st.lists(st.sampled_from([*CRITERIA, "LSC99"]), min_size=1, max_size=3)),
        text=ctx(TEXT),
        raised_on=ctx.day(before=700, after=10).isoformat(),
    )
    ctx.maybe(document, "status", st.just("open"))
    return document


def milestone_event(ctx: Context) -> Doc:
    """A deployment, EPCL request or first migration: done, planned, or both; in a good pack done well before as_at.

    Without ``allow_future`` a planned date is before as_at: a date still ahead would pass as time goes by.
    """
    kind = ctx(st.sampled_from(["deployment", "epcl_addition_requested", "first_migration"]))
    document = ctx.item("EV", event=kind)
    if kind == "deployment" or ctx(st.booleans()):
        document["what"] = ctx(TEXT)
    if ctx.ok():
        document["happened"] = (ctx.as_at - timedelta(days=ctx(st.integers(40, 400)))).isoformat()
        return document
    planned = ctx.day() if ctx.allow_future else ctx.as_at - timedelta(days=ctx(st.integers(1, 400)))
    if ctx(st.integers(0, 3)):
        document["planned"] = planned.isoformat()
    if "planned" not in document or ctx(st.booleans()):
        document["happened"] = ctx.day(past=True).isoformat()
    return document


def go_live_criterion(ctx: Context) -> Doc:
    """A stability window or a defect tolerance agreed for the capability, sometimes with a group's dissent."""
    common = {"description": ctx(TEXT), "agreed_by": ctx(SHORT_NAME)}
    if ctx(st.booleans()):
        document = ctx.item("GLC", kind="stability_window", days=ctx.pick(5, st.integers(1, 40)), **common)
    else:
        severity = ctx(st.integers(2, 4))
        document = ctx.item("GLC", kind="defect_tolerance", severity=severity, max_open=ctx.pick(50, st.integers(0, 3)))
        document.update(common)
    ctx.maybe_day(document, "agreed_on", past=True)
    if not ctx.ok() and ctx(st.booleans()):
        document["dissent"] = [{"by": ctx(st.sampled_from(GROUPS)), "note": ctx(TEXT)}]
    return document


def milestones(ctx: Context) -> Doc:
    document: Doc = {}
    if ctx(st.booleans()):
        document["events"] = ctx.some(lambda: milestone_event(ctx), 3)
    if ctx(st.booleans()):
        document["stability_statements"] = ctx.some(
            lambda: ctx.item(
                "STAB", achieved=ctx.pick(True, st.booleans()), on=ctx.day(past=True).isoformat(), by=ctx(SHORT_NAME)
            ),
            2,
        )
    if ctx(st.booleans()):
        document["go_live_criteria"] = ctx.some(lambda: go_live_criterion(ctx), 3)
    return document


# -- the pack ------------------------------------------------------------------------------------------------

SECTIONS: dict[str, Callable[[Context], Any]] = {
    "testing": testing,
    "migration": migration,
    "operations": operations,
    "service_users": service_users,
    "incidents": lambda ctx: ctx.some(lambda: incident(ctx), 8),
    "performance": performance,
    "consumer_risks": lambda ctx: ctx.some(lambda: consumer_risk(ctx), 3),
    "bcdr": bcdr,
    "security": security,
    "residual_risks": lambda ctx: ctx.some(lambda: residual_risk(ctx), 3),
    "milestones": milestones,
}


@st.composite
def packs(draw: st.DrawFn, *, allow_future: bool = True) -> tuple[Doc, date]:
    """A valid pack document and the date to evaluate it at.

    With ``allow_future=False`` nothing in the pack is dated after as_at (no provenance after it, no incident
    opened after it), so a later as_at learns nothing new from the pack.
    """
    as_at = draw(st.dates(EARLIEST_AS_AT, LATEST_AS_AT))
    quality = draw(st.integers(0, 5))  # 0-3: any values; 4: good; 5: very good
    ctx = Context(draw, as_at, allow_future, good=quality >= 4, slack=9 if quality == 4 else 49)
    document: Doc = {"statement": statement(ctx), "scope": scope(ctx)}
    if draw(st.booleans()):
        document["schema_version"] = "1"
    for name, build in SECTIONS.items():
        if ctx.ok() or draw(st.integers(0, 3)):  # each section present three times in four
            document[name] = build(ctx)
    if not ctx.ok() and draw(st.booleans()):
        keys = draw(st.lists(_CONDITION_KEY, max_size=3, unique=True))
        document["earlier_conditions"] = [earlier_condition(ctx, key) for key in keys]
    return document, as_at


# -- additions for the metamorphic properties -----------------------------------------------------------------


def continuing(draw: Draw, document: Doc, as_at: date, *, allow_future: bool) -> Context:
    """A context that adds to a drawn pack: its new ids cannot collide with the pack's."""
    return Context(draw, as_at, allow_future, counter=10**6, used=set(ids_in(document)))


def ids_in(value: Any) -> list[str]:
    """Every evidence id in a document (any mapping with both an id and a provenance)."""
    found: list[str] = []
    if isinstance(value, dict):
        if "id" in value and "provenance" in value:
            found.append(value["id"])
        for child in value.values():
            found += ids_in(child)
    elif isinstance(value, list):
        for child in value:
            found += ids_in(child)
    return found


def dated_on_or_before(ctx: Context, document: Doc, latest: date) -> Doc:
    """Redate an item's provenance to a day on or before ``latest``."""
    document["provenance"]["date"] = (latest - timedelta(days=ctx(st.integers(0, 30)))).isoformat()
    return document


def blocking_incident_in_window(ctx: Context, service: str, window_days: int) -> Doc:
    """A Category 1 incident on the service, opened and resolved inside the stability window before as_at."""
    end = end_of(ctx.as_at)
    window = window_days * 1440
    resolved = end - timedelta(minutes=ctx(st.integers(1, window - 1)))
    opened = max(resolved - timedelta(minutes=ctx(st.integers(0, window - 1))), end - timedelta(minutes=window))
    document = incident(ctx, opened=opened)
    document["category"] = 1
    document["service"] = service
    document["resolved"] = timestamp_text(resolved, ctx(st.integers(0, 5)))
    document["provenance"]["date"] = (resolved.date() + timedelta(days=ctx(st.integers(0, 5)))).isoformat()
    if document["provenance"]["date"] > ctx.as_at.isoformat():
        document["provenance"]["date"] = ctx.as_at.isoformat()
    return document
