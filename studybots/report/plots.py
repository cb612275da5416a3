"""The report's pictures: PNG images drawn by matplotlib from the published
tables only, so a hidden count ("<5") can never reach a picture."""

from __future__ import annotations

import io
import math

from matplotlib.figure import Figure

from studybots.core.names import BOTS
from studybots.report.figures import Table
from studybots.report.texts import text, value_label

COLOURS = {"tero": "#1f6fb2", "paavo": "#e07b00"}
CHANNEL_SHADES = ("#1f6fb2", "#7fb3e0", "#c4dcf2", "#e07b00", "#f2b066", "#f9dcb8")
WIDTH = 9.0


def number(shown: str) -> float | None:
    """A published value as a number; None when it is hidden or missing."""
    try:
        return float(shown)
    except ValueError:
        return None


def plain(label: str) -> str:
    """Text drawn as it is: matplotlib would read $...$ as a formula."""
    return label.replace("$", r"\$")


def png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _week_ticks(axes, labels: list[str], lang: str) -> None:
    axes.set_xticks(range(len(labels)))
    axes.set_xticklabels(
        [text("week_short", lang, week=int(w[-2:])) for w in labels],
        rotation=45,
        ha="right",
        fontsize=8,
    )


def weekly_questions(table: Table, lang: str = "fi") -> bytes:
    weeks = list(dict.fromkeys(r["week"] for r in table.rows))
    series = list(dict.fromkeys((r["bot"], r["channel"]) for r in table.rows))
    values = {(r["week"], r["bot"], r["channel"]): number(r["questions"]) for r in table.rows}
    figure = Figure(figsize=(WIDTH, 4))
    axes = figure.subplots()
    bottom = [0.0] * len(weeks)
    channels = list(dict.fromkeys(channel for _, channel in series))
    for bot, channel in series:
        shade = (BOTS.index(bot) if bot in BOTS else 0) * 3 + channels.index(channel) % 3
        heights = [values.get((w, bot, channel)) or 0.0 for w in weeks]
        axes.bar(
            range(len(weeks)),
            heights,
            bottom=bottom,
            color=CHANNEL_SHADES[shade],
            label=f"{value_label('bot', bot, lang)} – {value_label('channel', channel, lang)}",
        )
        bottom = [b + h for b, h in zip(bottom, heights)]
    _week_ticks(axes, weeks, lang)
    axes.set_ylabel(text("axis_questions", lang))
    axes.legend(fontsize=8, loc="upper right")
    axes.grid(axis="y", alpha=0.3)
    return png(figure)


def topics(table: Table, bot: str, top: int, lang: str = "fi") -> bytes | None:
    answers = [(r["name"], number(r["answers"])) for r in table.rows if r["bot"] == bot]
    shown = [(name, n) for name, n in answers if n is not None][:top]
    if not shown:
        return None
    figure = Figure(figsize=(WIDTH, 0.32 * len(shown) + 1))
    axes = figure.subplots()
    names, counts = zip(*reversed(shown))
    axes.barh(range(len(names)), counts, color=COLOURS.get(bot, "#555555"))
    axes.set_yticks(range(len(names)))
    axes.set_yticklabels([plain(n) for n in names], fontsize=9)
    axes.set_xlabel(text("axis_answers", lang))
    axes.set_title(
        text("topics_plot_title", lang, bot=value_label("bot", bot, lang), n=len(shown)),
        fontsize=11,
    )
    axes.grid(axis="x", alpha=0.3)
    return png(figure)


def spread(table: Table, lang: str = "fi") -> bytes:
    """Answers per dimension or phase, a bar per bot."""
    rows = table.rows
    figure = Figure(figsize=(WIDTH, 0.55 * len(rows) + 1))
    axes = figure.subplots()
    height = 0.8 / len(BOTS)
    for i, bot in enumerate(BOTS):
        axes.barh(
            [len(rows) - 1 - j + (i - 0.5) * height for j in range(len(rows))],
            [number(r[bot]) or 0.0 for r in rows],
            height=height,
            color=COLOURS[bot],
            label=value_label("bot", bot, lang),
        )
    axes.set_yticks(range(len(rows)))
    axes.set_yticklabels(
        [plain(r["label"] or text("unclassified", lang)) for r in reversed(rows)], fontsize=9
    )
    axes.set_xlabel(text("axis_answers", lang))
    axes.legend(fontsize=8, loc="lower right")
    axes.grid(axis="x", alpha=0.3)
    return png(figure)


def unanswered_rate(table: Table, lang: str = "fi") -> bytes:
    weeks = list(dict.fromkeys(r["week"] for r in table.rows))
    figure = Figure(figsize=(WIDTH, 3.5))
    axes = figure.subplots()
    for bot in BOTS:
        rate = {r["week"]: number(r["unanswered_pct"]) for r in table.rows if r["bot"] == bot}
        points = [rate.get(w) if rate.get(w) is not None else math.nan for w in weeks]
        axes.plot(
            range(len(weeks)),
            points,
            marker="o",
            color=COLOURS[bot],
            label=value_label("bot", bot, lang),
        )
    _week_ticks(axes, weeks, lang)
    axes.set_ylabel(text("axis_pct", lang))
    axes.set_ylim(bottom=0)
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    return png(figure)


def feedback(table: Table, lang: str = "fi") -> bytes:
    rows = [r for r in table.rows if r["bot"] in BOTS]
    figure = Figure(figsize=(WIDTH, 2.2))
    axes = figure.subplots()
    ups = [number(r["up"]) or 0.0 for r in rows]
    downs = [number(r["down"]) or 0.0 for r in rows]
    positions = range(len(rows))
    axes.barh(positions, ups, color="#2e8b57", label=text("legend_up", lang))
    axes.barh(positions, downs, left=ups, color="#c0392b", label=text("legend_down", lang))
    axes.set_yticks(list(positions))
    axes.set_yticklabels([value_label("bot", r["bot"], lang) for r in rows])
    axes.invert_yaxis()
    axes.set_xlabel(text("axis_answers", lang))
    axes.legend(fontsize=8, loc="lower right")
    return png(figure)


def groups(table: Table, lang: str = "fi") -> bytes | None:
    rows = [
        (f"{value_label('bot', r['bot'], lang)}: {r['question']}", number(r["questions"]))
        for r in table.rows
    ]
    rows = [(label, n) for label, n in rows if n is not None]
    if not rows:
        return None
    figure = Figure(figsize=(WIDTH, 0.32 * len(rows) + 1))
    axes = figure.subplots()
    labels, counts = zip(*reversed(rows))
    axes.barh(
        range(len(labels)),
        counts,
        color=[
            COLOURS.get(r["bot"], "#555555")
            for r in reversed(table.rows)
            if number(r["questions"]) is not None
        ],
    )
    axes.set_yticks(range(len(labels)))
    axes.set_yticklabels([plain(label) for label in labels], fontsize=9)
    axes.set_xlabel(text("axis_questions", lang))
    axes.grid(axis="x", alpha=0.3)
    return png(figure)


TOP_TOPICS = 15


def draw_all(tables: dict[str, Table], lang: str = "fi") -> dict[str, bytes | None]:
    """Every picture of the page, by name."""
    images: dict[str, bytes | None] = {
        "weekly_questions": weekly_questions(tables["weekly_questions"], lang),
        "dimensions": spread(tables["dimensions"], lang),
        "phases": spread(tables["phases"], lang),
        "weekly_unanswered": unanswered_rate(tables["weekly_unanswered"], lang),
        "unanswered_groups": groups(tables["unanswered_groups"], lang),
        "feedback": feedback(tables["feedback"], lang),
    }
    for bot in BOTS:
        images[f"topics_{bot}"] = topics(tables["topics"], bot, TOP_TOPICS, lang)
    return images
