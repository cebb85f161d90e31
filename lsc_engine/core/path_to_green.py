"""The path to green: for each cell not yet green, what would make it green, and when waiting alone would."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date

from msgspec import structs

from lsc_engine.core.days import shift
from lsc_engine.core.evaluation import CARRIED_OVER, NO_CONFIRMATION, CellRating, Milestone, PathToGreen
from lsc_engine.core.matches import Cell, Matches
from lsc_engine.core.messages import overlaid, render, template_values
from lsc_engine.core.rating import Rating, worst
from lsc_engine.core.rule_records import RuleRecord
from lsc_engine.core.words import RATING_WORDS


def paths(
    matches: Matches, cells: list[CellRating], fired: list[RuleRecord], values: Mapping[str, str]
) -> list[PathToGreen]:
    """Return each cell's path to green: the remedies of the rules holding it back, and the milestones in reach."""
    horizon = shift(matches.as_at, matches.ruleset.parameters.path_to_green_horizon_days)
    holding_by_cell: dict[Cell, list[RuleRecord]] = {}
    for rule in fired:
        if rule.rating != Rating.GREEN:
            holding_by_cell.setdefault((rule.criterion, rule.group), []).append(rule)
    found = []
    for cell in cells:
        if cell.rating == Rating.GREEN:
            continue
        key = (cell.criterion, cell.group)
        holding = holding_by_cell.get(key, [])
        actions = [render(rule.remedy, values) for rule in holding if rule.remedy]
        carried = [f for f in cell.findings if f.rule_id == CARRIED_OVER]
        actions += [f"Meet the earlier condition that is still open. {f.message}" for f in carried]
        if any(f.rule_id == NO_CONFIRMATION for f in cell.findings):
            actions.append(f"Provide evidence that {cell.criterion} is met for {cell.group.value}.")
        # Only a rating that rests on facts declared to change with the date can improve by waiting, and not past
        # its carried-over conditions nor the rules holding it back that read none: those fire on every later date.
        moving = {rule.id for rule in holding if rule.reads_dated_facts}
        floor = worst([f.rating for f in carried] + [rule.rating for rule in holding if rule.id not in moving])
        milestones = []
        waiting_helps = bool(moving) and floor.severity < cell.rating.severity
        changes = matches.change_dates(key, horizon) if waiting_helps else []
        if changes:
            later = matches.cell_rating(changes[-1], key)  # the rating from then until the horizon
            for target in (Rating.AMBER, Rating.GREEN):
                reachable = floor.severity <= target.severity < cell.rating.severity
                if reachable and later.severity <= target.severity:
                    milestones.append(Milestone(rating=target, on=_earliest(matches, key, target, changes)))
            if milestones and later != Rating.GREEN:
                needs = _still_needed(matches, key, changes[-1], values)
                milestones[-1] = structs.replace(milestones[-1], then_needs=needs)
        found.append(
            PathToGreen(
                criterion=cell.criterion,
                group=cell.group,
                rating=cell.rating,
                actions=list(dict.fromkeys(actions)),
                milestones=milestones,
            )
        )
    return found


#: What every projected date assumes: the planned events happen on their dates and are reported, and the reports
#: that follow (incidents, monthly results) keep coming and show nothing that holds the rating back.
PREMISE = "If planned dates hold and later reports show nothing new"


def waiting_words(milestones: Iterable[Milestone], day: Callable[[date], str] = date.isoformat) -> str:
    """Say what waiting alone brings, as a sentence: "amber from 2020-08-20, and no further by waiting; ..."."""
    parts: list[str] = []
    needs: list[str] = []
    for milestone in milestones:
        parts.append(f"{RATING_WORDS[milestone.rating].lower()} from {day(milestone.on)}")
        needs = milestone.then_needs
    text = ", ".join(parts)
    if needs:
        return f"{text}, and no further by waiting; green then needs more: {' '.join(needs)}"
    return f"{text}." if text else ""


def _still_needed(matches: Matches, key: Cell, on: date, values: Mapping[str, str]) -> list[str]:
    """Return the remedies of the cell's rules still holding it short of green once waiting has done what it can."""
    facts, fired = matches.cell_rules(on, key)
    merged = overlaid(values, template_values(facts, {}, matches.ruleset.operands))
    return list(dict.fromkeys(render(r.remedy, merged) for r in fired if r.remedy and r.rating != Rating.GREEN))


def _earliest(matches: Matches, key: Cell, target: Rating, changes: list[date]) -> date:
    """Find the first of the dates the cell's facts change on from which its rules rate it ``target`` or better.

    The last date is known to qualify; time only improves stability facts, so a binary search finds the first.
    """
    low, high = 0, len(changes) - 1
    while low < high:
        middle = (low + high) // 2
        if matches.cell_rating(changes[middle], key).severity <= target.severity:
            high = middle
        else:
            low = middle + 1
    return changes[low]
