"""The report's figures: SQL counts over the question log, small counts suppressed.

Each figure is a `Table` of display strings: exactly what the page shows and
the CSV files hold, so what is published is what the tests check. Privacy
rules, applied here and nowhere else:

- a count of 1-4 is shown as "<5" (0 is shown: nobody asked);
- a percentage is hidden ("–") when its part or the rest is a count of 1-4,
  since it would give that count away;
- a question text is shown only as the shared, normalised form of a group
  that at least 5 distinct students (conversation pseudonyms) asked;
- no conversation pseudonym leaves this module.

Definitions (also on the page): a *question* is a student message that is not
small talk, feedback or a button press ("/termi_kela"); *unanswered* is what
the review inbox lists as not handled (studybots.review.inbox.UNHANDLED); *answers*
per topic count every answer given, also after a button press.
Weeks are ISO weeks in Finnish time; the first and last week are cut to the
period.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from studybots.catalogue.load import Catalogue
from studybots.core.names import ANSWERED, BOTS, CRISIS, NOT_QUESTIONS, UNHANDLED
from studybots.questionlog.model import message_log as log
from studybots.review.inbox import group_key

MIN_COUNT = 5
SUPPRESSED = f"<{MIN_COUNT}"
HIDDEN = "–"
REPORT_TZ = ZoneInfo("Europe/Helsinki")
ALL = "all"
KIND = {"tero": "term", "paavo": "need"}
TOP_GROUPS = 20
UNKNOWN = "?"


def count(n: int) -> str:
    return SUPPRESSED if 0 < n < MIN_COUNT else str(n)


def percent(part: int, whole: int) -> str:
    """`part` of `whole` in percent, one decimal; "" without data."""
    if whole == 0:
        return ""
    if 0 < part < MIN_COUNT or 0 < whole - part < MIN_COUNT:
        return HIDDEN
    return f"{100 * part / whole:.1f}"


def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), REPORT_TZ).astimezone(dt.timezone.utc)


@dataclass(frozen=True)
class Week:
    label: str  # ISO week, "2026-W36"
    monday: dt.date
    start: dt.datetime  # UTC, cut to the period
    end: dt.datetime


@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date  # inclusive

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"period ends ({self.last}) before it starts ({self.first})")

    @property
    def start(self) -> dt.datetime:
        return local_midnight(self.first)

    @property
    def end(self) -> dt.datetime:
        return local_midnight(self.last + dt.timedelta(days=1))

    def weeks(self) -> list[Week]:
        monday = self.first - dt.timedelta(days=self.first.weekday())
        weeks = []
        while monday <= self.last:
            year, number, _ = monday.isocalendar()
            weeks.append(
                Week(
                    f"{year}-W{number:02d}",
                    monday,
                    max(self.start, local_midnight(monday)),
                    min(self.end, local_midnight(monday + dt.timedelta(days=7))),
                )
            )
            monday += dt.timedelta(days=7)
        return weeks


@dataclass
class Table:
    name: str  # also the CSV file's name
    columns: tuple[str, ...]
    rows: list[dict[str, str]]


# -- what the catalogue says about each answer ---------------------------------


@dataclass(frozen=True)
class Topic:
    name: str
    dimension: str
    phase: str


def topics_of(catalogue: Catalogue) -> dict[tuple[str, str], Topic]:
    """(bot, answer_ref) -> name, well-being dimension and life-event phase.
    A need has no dimension of its own: it gets the most common dimension of
    its services (the first listed on a tie)."""
    topics = {("tero", t.id): Topic(t.term, t.dimension, t.phase) for t in catalogue.terms.values()}
    for need in catalogue.needs.values():
        dims = [catalogue.services[s].dimension for s in need.services if s in catalogue.services]
        counts = Counter(dims)
        dimension = max(dims, key=lambda d: (counts[d], -dims.index(d))) if dims else UNKNOWN
        topics[("paavo", need.id)] = Topic(need.name, dimension, need.phase)
    return topics


# -- queries ---------------------------------------------------------------------


def in_period(period: Period):
    return sa.and_(log.c.time >= period.start, log.c.time < period.end)


def is_question():
    return sa.and_(log.c.outcome.not_in(NOT_QUESTIONS), sa.not_(log.c.text.startswith("/")))


def is_unanswered():
    return log.c.outcome.in_(UNHANDLED)


def week_of(weeks: list[Week]):
    return sa.case(
        *[(sa.and_(log.c.time >= w.start, log.c.time < w.end), w.label) for w in weeks], else_=None
    )


def summary(connection, period: Period) -> Table:
    unanswered = sa.func.sum(sa.case((is_unanswered(), 1), else_=0))
    crisis = sa.func.sum(sa.case((log.c.outcome == CRISIS, 1), else_=0))
    columns = (sa.func.count(), sa.func.count(sa.distinct(log.c.conversation)), unanswered, crisis)
    where = sa.and_(in_period(period), is_question())
    per_bot: dict[str, tuple[Any, ...]] = {
        bot: (n, students, u or 0, c or 0)
        for bot, n, students, u, c in connection.execute(
            sa.select(log.c.bot, *columns).where(where).group_by(log.c.bot)
        )
    }
    per_bot[ALL] = tuple(v or 0 for v in connection.execute(sa.select(*columns).where(where)).one())
    rows = []
    for bot in (*BOTS, ALL):
        n, students, u, c = per_bot.get(bot, (0, 0, 0, 0))
        rows.append(
            {
                "bot": bot,
                "questions": count(n),
                "students": count(students),
                "unanswered": count(u),
                "unanswered_pct": percent(u, n),
                "crisis": count(c),
            }
        )
    return Table(
        "summary", ("bot", "questions", "students", "unanswered", "unanswered_pct", "crisis"), rows
    )


def languages(connection, period: Period, catalogue_languages: tuple[str, ...]) -> Table:
    """Questions per language (the language the bot answered in), per bot,
    and the share unanswered: where content in a language is missing. Rows
    logged before the log kept languages are "?"."""
    unanswered = sa.func.sum(sa.case((is_unanswered(), 1), else_=0))
    asked: dict[str, Counter] = defaultdict(Counter)
    missed: Counter = Counter()
    for lang, bot, n, u in connection.execute(
        sa.select(log.c.lang, log.c.bot, sa.func.count(), unanswered)
        .where(in_period(period), is_question())
        .group_by(log.c.lang, log.c.bot)
    ):
        lang = lang if lang in catalogue_languages else UNKNOWN
        asked[lang][bot] += n
        asked[lang][ALL] += n
        missed[lang] += u or 0
    shown = [*catalogue_languages, *([UNKNOWN] if asked.get(UNKNOWN) else [])]
    rows = [
        {
            "lang": lang,
            **{bot: count(asked[lang][bot]) for bot in (*BOTS, ALL)},
            "unanswered": count(missed[lang]),
            "unanswered_pct": percent(missed[lang], asked[lang][ALL]),
        }
        for lang in shown
    ]
    return Table("languages", ("lang", *BOTS, ALL, "unanswered", "unanswered_pct"), rows)


def weekly_questions(connection, period: Period) -> Table:
    weeks = period.weeks()
    inner = (
        sa.select(week_of(weeks).label("week"), log.c.bot, log.c.channel)
        .where(in_period(period), is_question())
        .subquery()
    )
    counts = {
        (w, b, c): n
        for w, b, c, n in connection.execute(
            sa.select(inner.c.week, inner.c.bot, inner.c.channel, sa.func.count()).group_by(
                inner.c.week, inner.c.bot, inner.c.channel
            )
        )
    }
    channels = sorted({c for _, _, c in counts})
    rows = [
        {
            "week": w.label,
            "week_start": w.monday.isoformat(),
            "bot": bot,
            "channel": channel,
            "questions": count(counts.get((w.label, bot, channel), 0)),
        }
        for w in weeks
        for bot in BOTS
        for channel in channels
    ]
    return Table("weekly_questions", ("week", "week_start", "bot", "channel", "questions"), rows)


def weekly_unanswered(connection, period: Period) -> Table:
    weeks = period.weeks()
    inner = (
        sa.select(
            week_of(weeks).label("week"),
            log.c.bot,
            sa.case((is_unanswered(), 1), else_=0).label("unanswered"),
        )
        .where(in_period(period), is_question())
        .subquery()
    )
    counts = {
        (w, b): (n, u or 0)
        for w, b, n, u in connection.execute(
            sa.select(
                inner.c.week, inner.c.bot, sa.func.count(), sa.func.sum(inner.c.unanswered)
            ).group_by(inner.c.week, inner.c.bot)
        )
    }
    rows = []
    for w in weeks:
        for bot in BOTS:
            n, u = counts.get((w.label, bot), (0, 0))
            rows.append(
                {
                    "week": w.label,
                    "week_start": w.monday.isoformat(),
                    "bot": bot,
                    "questions": count(n),
                    "unanswered": count(u),
                    "unanswered_pct": percent(u, n),
                }
            )
    return Table(
        "weekly_unanswered",
        ("week", "week_start", "bot", "questions", "unanswered", "unanswered_pct"),
        rows,
    )


def answer_counts(connection, period: Period) -> dict[tuple[str, str], int]:
    """(bot, answer_ref) -> answers given in the period."""
    return {
        (bot, ref): n
        for bot, ref, n in connection.execute(
            sa.select(log.c.bot, log.c.answer_ref, sa.func.count())
            .where(in_period(period), log.c.outcome.in_(ANSWERED), log.c.answer_ref != "")
            .group_by(log.c.bot, log.c.answer_ref)
        )
    }


def topics(answers: dict[tuple[str, str], int], catalogue_topics: dict) -> Table:
    def order(item):
        (bot, ref), n = item
        # Hidden counts last and alphabetically: their order would hint at their size.
        name = catalogue_topics[(bot, ref)].name if (bot, ref) in catalogue_topics else ref
        return (
            BOTS.index(bot) if bot in BOTS else len(BOTS),
            -n if n >= MIN_COUNT else 0,
            name.casefold(),
            ref,
        )

    rows = []
    for (bot, ref), n in sorted(answers.items(), key=order):
        topic = catalogue_topics.get((bot, ref))
        rows.append(
            {
                "bot": bot,
                "kind": KIND.get(bot, ""),
                "id": ref,
                "name": topic.name if topic else ref,
                "answers": count(n),
            }
        )
    return Table("topics", ("bot", "kind", "id", "name", "answers"), rows)


def spread(
    name: str,
    attribute: str,
    labels: dict[str, str],
    answers: dict[tuple[str, str], int],
    catalogue_topics: dict,
) -> Table:
    """Answers per well-being dimension or life-event phase, per bot."""
    totals: dict[str, Counter] = defaultdict(Counter)
    for (bot, ref), n in answers.items():
        topic = catalogue_topics.get((bot, ref))
        code = getattr(topic, attribute) if topic else UNKNOWN
        totals[code if code in labels else UNKNOWN][bot] += n
    codes = list(labels) + ([UNKNOWN] if UNKNOWN in totals else [])
    rows = [
        {
            attribute: code,
            "label": labels.get(code, ""),
            **{bot: count(totals[code][bot]) for bot in BOTS},
            ALL: count(sum(totals[code].values())),
        }
        for code in codes
    ]
    return Table(name, (attribute, "label", *BOTS, ALL), rows)


def unanswered_groups(connection, period: Period, top: int = TOP_GROUPS) -> Table:
    asked: dict[tuple[str, str], int] = Counter()
    students: dict[tuple[str, str], set] = defaultdict(set)
    for bot, text, conversation in connection.execute(
        sa.select(log.c.bot, log.c.text, log.c.conversation).where(
            in_period(period), is_question(), is_unanswered()
        )
    ):
        key = (bot, group_key(text))
        if key[1]:
            asked[key] += 1
            students[key].add(conversation)
    shown = [k for k in asked if len(students[k]) >= MIN_COUNT]
    shown.sort(key=lambda k: (-asked[k], -len(students[k]), k))
    rows = [
        {
            "rank": str(i),
            "bot": key[0],
            "question": key[1],
            "questions": count(asked[key]),
            "students": count(len(students[key])),
        }
        for i, key in enumerate(shown[:top], start=1)
    ]
    return Table("unanswered_groups", ("rank", "bot", "question", "questions", "students"), rows)


def feedback(connection, period: Period) -> Table:
    counts: dict[str, Counter] = defaultdict(Counter)
    for bot, rating, n in connection.execute(
        sa.select(log.c.bot, log.c.feedback, sa.func.count())
        .where(in_period(period), log.c.feedback.in_(("up", "down")), log.c.outcome != "feedback")
        .group_by(log.c.bot, log.c.feedback)
    ):
        counts[bot][rating] += n
        counts[ALL][rating] += n
    rows = [
        {
            "bot": bot,
            "up": count(counts[bot]["up"]),
            "down": count(counts[bot]["down"]),
            "up_pct": percent(counts[bot]["up"], counts[bot]["up"] + counts[bot]["down"]),
        }
        for bot in (*BOTS, ALL)
    ]
    return Table("feedback", ("bot", "up", "down", "up_pct"), rows)


def compute(engine: sa.engine.Engine, period: Period, catalogue: Catalogue) -> dict[str, Table]:
    """Every figure of the report, in page order."""
    known = topics_of(catalogue)
    with engine.connect() as connection:
        answers = answer_counts(connection, period)
        tables = [
            summary(connection, period),
            languages(connection, period, catalogue.languages),
            weekly_questions(connection, period),
            topics(answers, known),
            spread("dimensions", "dimension", catalogue.labels["dimension"], answers, known),
            spread("phases", "phase", catalogue.labels["phase"], answers, known),
            weekly_unanswered(connection, period),
            unanswered_groups(connection, period),
            feedback(connection, period),
        ]
    return {t.name: t for t in tables}
