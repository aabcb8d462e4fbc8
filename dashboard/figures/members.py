"""The members of a figure, defined once per measure kind (dashboard.figures.measures): who is in a
target's denominator and whether each is in its numerator, with the record that decided it.

dashboard.figures.gaps lists the members outside the numerator and dashboard.figures.records all of them with their
uploads (provenance). The engine's `queries/*_counts_by_unit.sql` aggregate the same logic in SQL for
speed; tests prove the member counts equal the engine's for every target, unit and window.
"""
from __future__ import annotations

from sqlalchemy.engine import Engine

from ..campaign import CampaignConf
from .measures import Measure, measure_for
from .selection import Selection


def check_target(conf: CampaignConf, target: str) -> Measure:
    """The target's measure; a code the campaign does not configure is a ValueError (before any
    query)."""
    return measure_for(conf, target)


def members_of(engine: Engine, sel: Selection, measure: Measure) -> list[dict]:
    """Every member of the measure's denominator for a resolved selection (dates as dates), with
    `is_numerator` 1 when it is in the numerator, 0 when not."""
    return measure.members(engine, sel)
