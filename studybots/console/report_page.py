"""The usage report inside the console, for the analyst role: the same figures,
pictures and privacy rules as `make report` (studybots/report: counts below 5
hidden, question texts only of groups of at least 5 students), drawn for the
period the analyst picks and shown inside the console's page (its own CSS, no
inline styles; pictures as data: images).

The report's modules (matplotlib) are imported on the first request, so the
console and the demo page start without them.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from typing import Any

from studybots.console.settings import ConsoleSettings

__all__ = ["MAX_DAYS", "default_period", "parse_period", "render"]

MAX_DAYS = 366
_DRAWING = threading.Lock()  # one report at a time: matplotlib's work is CPU-bound anyway


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """Twelve weeks up to yesterday, as `make report`."""
    last = today - dt.timedelta(days=1)
    return last - dt.timedelta(weeks=12) + dt.timedelta(days=1), last


def parse_period(query: Mapping[str, str], today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The period of ?from=YYYY-MM-DD&to=YYYY-MM-DD (default: `default_period`);
    None when it is not a valid period of at most MAX_DAYS days."""
    first, last = default_period(today)
    try:
        if query.get("from"):
            first = dt.date.fromisoformat(query["from"])
        if query.get("to"):
            last = dt.date.fromisoformat(query["to"])
    except ValueError:
        return None
    if last < first or (last - first).days >= MAX_DAYS:
        return None
    return first, last


def render(settings: ConsoleSettings, first: dt.date, last: dt.date, lang: str) -> str:
    """The report's HTML fragment (header and sections), every text escaped by
    studybots.report.html. Blocking: call it in a thread."""
    from studybots.catalogue.load import load_catalogue
    from studybots.questionlog.model import ensure_schema, make_log_engine
    from studybots.report import figures, html, plots

    catalogue: Any = load_catalogue(settings.catalogue_dir)
    period = figures.Period(first, last)
    engine = make_log_engine(settings.log_url)
    try:
        ensure_schema(engine)
        tables = figures.compute(engine, period, catalogue)
    finally:
        engine.dispose()
    with _DRAWING:
        images = plots.draw_all(tables, lang)
    life_event = str((catalogue.meta.get("life_event") or {}).get(lang) or "")
    return html.content(tables, images, period, lang, life_event=life_event)
