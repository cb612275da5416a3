"""The editors' inbox of questions the bots did not handle well.

Lists questions that were not understood (out of scope, no answer, only
guesses offered), answered with low confidence, or rated 👎. The same
question asked many times shows once, with its count and the bot's best
guesses, and a status: pending, resolved or ignored.

`write_csv` writes the pending questions for a spreadsheet; the editor fills
in `action` (map, new or ignore), `target` and, for a new term, its row;
studybots/review/editing.py applies the sheet. The command is
studybots/review/__main__.py (`make review`).

The sheet is for an editor, not a programmer: the bot's guesses are shown by
their term or need names, the reasons in Finnish (their codes in the last
column, `reason_codes`), times in Turku's local time; it is written as a
Finnish Excel opens it (UTF-8 with a byte order mark, semicolons, CRLF).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from studybots.bot.decide import load_thresholds
from studybots.catalogue.schema import TABLES_BY_NAME
from studybots.catalogue.tables import SHEET_DELIMITER, TableReadError, read_table, write_sheet
from studybots.core.controls import strip_controls
from studybots.core.names import CRISIS, NEED_INTENT_PREFIX, TERM_INTENT_PREFIX, UNHANDLED
from studybots.questionlog.model import ensure_schema, make_log_engine, message_log, review_status

EXPORT_COLUMNS = [
    "bot",
    "question",
    "lang",
    "count",
    "reasons",
    "best_guesses",
    "first_seen",
    "last_seen",
    "status",
    "action",
    "target",
    "term",
    "definition",
    "source_url",
    # Empty, or the editor's word that the facts were checked: kyllä or the date.
    "checked",
    "area",
    "dimension",
    "phase",
    "phrasings",
    # A new term in a catalogue with Swedish and English switched on needs them too.
    *[
        f"{column}_{lang}"
        for lang in ("sv", "en")
        for column in ("term", "definition", "phrasings")
    ],
    "editor",
    # The reasons' codes, for tools; `reasons` says them in Finnish.
    "reason_codes",
]
# Why a question is in the inbox, as the editor reads it.
REASONS_FI = {
    CRISIS: "ohjattiin kriisiavun luo",
    "out_of_scope": "botti piti kysymystä aiheen ulkopuolisena",
    "suggest": "botti ei ollut varma ja tarjosi vaihtoehtoja",
    "no_answer": "botilla ei ollut vastausta",
    "fallback": "botti ei ymmärtänyt kysymystä",
    "low_confidence": "botti vastasi, mutta epävarmasti",
    "thumbs_down": "opiskelija antoi 👎",
}
STATUS_FI = {"pending": "odottaa", "resolved": "ratkaistu", "ignored": "ohitettu"}
LOCAL_TIME = ZoneInfo("Europe/Helsinki")
# The intents an editor can map a question to: the bots' terms and needs.
GUESS_PREFIXES = (TERM_INTENT_PREFIX, NEED_INTENT_PREFIX)
# bot -> term or need id -> its name in the catalogue.
TargetNames = dict[str, dict[str, str]]
_PUNCTUATION = re.compile(r"[^\w\s\-\[\]]+")


def group_key(text: str) -> str:
    """Questions that differ only by case, spacing or punctuation are one."""
    return " ".join(_PUNCTUATION.sub(" ", text.casefold()).split())


def item_key(bot: str, question: str) -> str:
    return hashlib.sha1(f"{bot}:{group_key(question)}".encode()).hexdigest()


@dataclass
class InboxItem:
    bot: str
    question: str
    count: int = 0
    reasons: Counter = field(default_factory=Counter)
    guesses: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)
    first_seen: str = ""
    last_seen: str = ""
    status: str = "pending"

    @property
    def key(self) -> str:
        return item_key(self.bot, self.question)

    @property
    def lang(self) -> str:
        """The language the bot answered the question in (most often), if known:
        a question mapped to a term or need becomes a phrasing in it."""
        return self.languages.most_common(1)[0][0] if self.languages else ""

    def as_row(self) -> dict[str, str]:
        return {
            "status": self.status,
            "bot": self.bot,
            "question": self.question,
            "lang": self.lang,
            "count": str(self.count),
            "reasons": ";".join(r for r, _ in self.reasons.most_common()),
            "best_guesses": ";".join(g for g, _ in self.guesses.most_common(3)),
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }

    def guess_ids(self, n: int = 3) -> list[str]:
        """The bot's best guesses: ids of terms (Tero) or needs (Paavo)."""
        return [g for g, _ in self.guesses.most_common(n)]

    def sheet_row(self, names: TargetNames | None = None) -> dict[str, str]:
        """The row as the editor reads it: names, Finnish, local time."""
        known = (names or {}).get(self.bot, {})
        codes = [r for r, _ in self.reasons.most_common()]
        return {
            **self.as_row(),
            "status": STATUS_FI.get(self.status, self.status),
            "reasons": "; ".join(REASONS_FI.get(r, r) for r in codes),
            "reason_codes": ";".join(codes),
            "best_guesses": "; ".join(known.get(g) or g for g in self.guess_ids()),
            "first_seen": local_time(self.first_seen),
            "last_seen": local_time(self.last_seen),
        }


def local_time(logged: str) -> str:
    """A logged time (UTC; SQLite returns it without its zone) in Turku's time."""
    if not logged:
        return ""
    when = dt.datetime.fromisoformat(logged)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M")


def target_names(catalogue_dir: Path) -> TargetNames:
    """Each bot's term or need names by id, from the tables as they are (a
    table that cannot be read leaves its ids as they are)."""
    names: TargetNames = {}
    for bot, table, column in (("tero", "terms", "term"), ("paavo", "needs", "name")):
        try:
            raw = read_table(catalogue_dir / TABLES_BY_NAME[table].path)
        except TableReadError:
            raw = None
        names[bot] = {
            r.cells["id"]: r.cells.get(column, "")
            for r in (raw.rows if raw else [])
            if r.cells.get("id") and r.cells.get(column)
        }
    return names


def reasons_for(row: dict, answer_threshold: float) -> list[str]:
    reasons = []
    if row["outcome"] == CRISIS:
        # Routed to help by the safety check: editors see it, marked, to catch
        # a false alarm, a wrong category or a phrasing worth adding.
        reasons.append(CRISIS)
    elif row["outcome"] in UNHANDLED:
        reasons.append(row["outcome"])
    elif row["outcome"] in ("answer", "services") and (row["confidence"] or 0) < answer_threshold:
        reasons.append("low_confidence")
    if row["feedback"] == "down":
        reasons.append("thumbs_down")
    return reasons


def inbox(
    url: str, bot: str | None = None, statuses: tuple[str, ...] = ("pending",)
) -> list[InboxItem]:
    engine = make_log_engine(url)
    try:
        ensure_schema(engine)
        query = sa.select(message_log).where(message_log.c.outcome != "feedback")
        if bot:
            query = query.where(message_log.c.bot == bot)
        with engine.connect() as connection:
            rows = [dict(r._mapping) for r in connection.execute(query.order_by(message_log.c.id))]
            known = dict(
                connection.execute(sa.select(review_status.c.key, review_status.c.status)).all()
            )
    finally:
        engine.dispose()
    thresholds = {b: load_thresholds(b).answer for b in {r["bot"] for r in rows}}
    items: dict[tuple[str, str], InboxItem] = {}
    for row in rows:
        reasons = reasons_for(row, thresholds.get(row["bot"], 0.0))
        # Rows logged before the channels removed control characters may hold
        # bidirectional controls, which would reorder what an editor sees.
        text = strip_controls(row["text"] or "")
        key = (row["bot"], group_key(text))
        if not reasons or not key[1] or text.startswith("/"):
            continue
        item = items.setdefault(key, InboxItem(row["bot"], text))
        item.count += 1
        item.reasons.update(reasons)
        if row.get("lang"):
            item.languages[row["lang"]] += 1
        for candidate in json.loads(row["candidates"] or "[]"):
            name = candidate.get("name") or ""
            for prefix in GUESS_PREFIXES:
                if name.startswith(prefix) and len(name) > len(prefix):
                    item.guesses[name[len(prefix) :]] += 1
        when = row["time"].isoformat(timespec="minutes") if row["time"] else ""
        item.first_seen = item.first_seen or when
        item.last_seen = when
    for item in items.values():
        item.status = known.get(item.key, "pending")
    chosen = [i for i in items.values() if i.status in statuses]
    return sorted(chosen, key=lambda i: (-i.count, i.bot, i.question))


def set_status(url: str, decisions: list[dict[str, str]]) -> None:
    """Record editors' decisions: key, bot, question, status, action, target, editor."""
    engine = make_log_engine(url)
    now = dt.datetime.now(dt.timezone.utc)
    try:
        ensure_schema(engine)
        with engine.begin() as connection:
            for d in decisions:
                values = {**d, "updated": now}
                done = connection.execute(
                    sa.update(review_status).where(review_status.c.key == d["key"]).values(**values)
                ).rowcount
                if not done:
                    connection.execute(sa.insert(review_status).values(**values))
    finally:
        engine.dispose()


def write_csv(
    items: list[InboxItem],
    path: Path,
    names: TargetNames | None = None,
    delimiter: str = SHEET_DELIMITER,
) -> None:
    """The sheet for the editor's spreadsheet (tables.write_sheet: UTF-8 with a
    byte order mark, semicolons unless `delimiter`, CRLF)."""
    write_sheet(path, EXPORT_COLUMNS, [item.sheet_row(names) for item in items], delimiter)
