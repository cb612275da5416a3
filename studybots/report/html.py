"""The report page: one self-contained HTML file, pictures inline as PNG
data: URIs, no scripts. Every text that goes into the page is escaped here
(catalogue names, the students' question texts, labels), and a Content
Security Policy forbids scripts and outside resources as a second guard."""

from __future__ import annotations

import base64
import datetime as dt
from html import escape

from studybots.report.figures import HIDDEN, MIN_COUNT, TOP_GROUPS, Period, Table
from studybots.report.plots import TOP_TOPICS
from studybots.report.texts import text, value_label

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; color: #1d1d1d; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #ccc; }
.note { background: #f3f6fa; border-left: 4px solid #1f6fb2; padding: 0.6rem 1rem; }
.meta { color: #555; }
img { max-width: 100%; height: auto; display: block; margin: 1rem 0; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.92rem; }
th, td { border: 1px solid #d5d5d5; padding: 0.25rem 0.6rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #eef1f4; }
details summary { cursor: pointer; color: #1f6fb2; }
"""
NUMERIC = {
    "questions",
    "students",
    "unanswered",
    "unanswered_pct",
    "crisis",
    "answers",
    "up",
    "down",
    "up_pct",
    "tero",
    "paavo",
    "all",
    "rank",
}


def e(value: object) -> str:
    return escape(str(value), quote=True)


def _date(day: dt.date, lang: str) -> str:
    return text("date", lang, d=day.day, m=day.month, y=day.year)


def display(column: str, value: str, lang: str) -> str:
    """How a published value reads on the page (the CSV keeps it plain)."""
    if column == "bot":
        return value_label("bot", value, lang)
    if column == "channel":
        return value_label("channel", value, lang)
    if column == "kind":
        return value_label("kind", value, lang)
    if column == "lang":
        return value_label("lang", value, lang)
    if column == "week":
        return text("week_label", lang, week=int(value[-2:]), year=value[:4])
    if column == "week_start":
        return _date(dt.date.fromisoformat(value), lang)
    if column == "label" and not value:
        return text("unclassified", lang)
    if column.endswith("_pct") and value not in ("", HIDDEN):
        return text("pct", lang, value=value.replace(".", text("decimal_separator", lang)))
    return value


def table(t: Table, lang: str) -> str:
    if not t.rows:
        return f"<p>{e(text('no_data', lang))}</p>"
    head = "".join(f"<th>{e(text('col_' + c, lang))}</th>" for c in t.columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"n" if c in NUMERIC else "t"}" data-value="{e(row[c])}">'
            f"{e(display(c, row[c], lang))}</td>"
            for c in t.columns
        )
        + "</tr>"
        for row in t.rows
    )
    return (
        f'<table id="table-{e(t.name)}" data-figure="{e(t.name)}">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def numbers(t: Table, lang: str) -> str:
    return f"<details><summary>{e(text('show_numbers', lang))}</summary>{table(t, lang)}</details>"


def image(png: bytes | None, alt: str, name: str, lang: str) -> str:
    if png is None:
        return f"<p>{e(text('no_data', lang))}</p>"
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<img id="plot-{e(name)}" alt="{e(alt)}" src="data:image/png;base64,{data}">'
        f'<p class="meta">{e(text("plot_note", lang, k=MIN_COUNT))}</p>'
    )


def section(key: str, intro: str, body: str, lang: str) -> str:
    return f'<section id="{e(key)}"><h2>{e(text(key, lang))}</h2><p>{e(intro)}</p>{body}</section>'


def render(
    tables: dict[str, Table],
    images: dict[str, bytes | None],
    period: Period,
    lang: str = "fi",
    today: dt.date | None = None,
    life_event: str = "",
) -> str:
    """The report page; `life_event` is the catalogue's life event (its name)."""
    title = text("title", lang)
    return (
        f'<!DOCTYPE html>\n<html lang="{e(lang)}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{e(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)} – {e(subtitle(period, lang, life_event))}</title>"
        f"<style>{STYLE}</style></head><body>"
        + content(tables, images, period, lang, today, life_event)
        + "</body></html>\n"
    )


def subtitle(period: Period, lang: str, life_event: str) -> str:
    return text(
        "subtitle",
        lang,
        life_event=life_event,
        start=_date(period.first, lang),
        end=_date(period.last, lang),
    )


def content(
    tables: dict[str, Table],
    images: dict[str, bytes | None],
    period: Period,
    lang: str = "fi",
    today: dt.date | None = None,
    life_event: str = "",
) -> str:
    """The page's body: its header and sections, without a document around
    them (the editors' console shows it inside its own page)."""
    today = today or dt.date.today()
    k = MIN_COUNT
    title = text("title", lang)
    topics = "".join(
        image(images.get(f"topics_{bot}"), title, f"topics_{bot}", lang)
        for bot in ("tero", "paavo")
    )
    groups = tables["unanswered_groups"]
    sections = [
        section("summary", text("definitions", lang), table(tables["summary"], lang), lang),
        section("languages", text("languages_intro", lang), table(tables["languages"], lang), lang),
        section(
            "weekly",
            text("weekly_intro", lang),
            image(images["weekly_questions"], text("weekly", lang), "weekly_questions", lang)
            + numbers(tables["weekly_questions"], lang),
            lang,
        ),
        section(
            "topics",
            text("topics_intro", lang, n=TOP_TOPICS),
            topics + numbers(tables["topics"], lang),
            lang,
        ),
        section(
            "dimensions",
            text("dimensions_intro", lang),
            image(images["dimensions"], text("dimensions", lang), "dimensions", lang)
            + numbers(tables["dimensions"], lang),
            lang,
        ),
        section(
            "phases",
            text("phases_intro", lang),
            image(images["phases"], text("phases", lang), "phases", lang)
            + numbers(tables["phases"], lang),
            lang,
        ),
        section(
            "unanswered",
            text("unanswered_intro", lang),
            image(images["weekly_unanswered"], text("unanswered", lang), "weekly_unanswered", lang)
            + numbers(tables["weekly_unanswered"], lang),
            lang,
        ),
        section(
            "groups",
            text("groups_intro", lang, k=k, n=TOP_GROUPS),
            (
                image(images["unanswered_groups"], text("groups", lang), "unanswered_groups", lang)
                + table(groups, lang)
            )
            if groups.rows
            else f"<p>{e(text('groups_none', lang, k=k))}</p>",
            lang,
        ),
        section(
            "feedback",
            text("feedback_intro", lang),
            image(images["feedback"], text("feedback", lang), "feedback", lang)
            + table(tables["feedback"], lang),
            lang,
        ),
    ]
    return (
        f"<header><h1>{e(title)}</h1><p>{e(subtitle(period, lang, life_event))}</p>"
        f'<p class="meta">{e(text("generated", lang, date=_date(today, lang)))}</p>'
        f'<p class="note">{e(text("privacy", lang, k=k))}</p></header>' + "".join(sections)
    )
