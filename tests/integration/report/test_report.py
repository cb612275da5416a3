"""The usage report (make report): every published figure equals a direct SQL
count on a sample log, small counts stay hidden, and the page opens in a real
browser. Real SQLite files and a real PostgreSQL; no mocks."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import os
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from studybots.core.settings import PROJECT_ROOT
from studybots.questionlog.model import make_log_engine
from studybots.report import figures, html, plots, sample
from studybots.report.__main__ import main as report_main
from studybots.report.__main__ import write_report
from studybots.report.texts import LANGUAGES, TEXTS
from studybots.review.inbox import group_key

PG = ("127.0.0.1", 5432)
SEED = 7
STUDENTS = 400
LOG_FIRST, LOG_LAST = dt.date(2026, 8, 1), dt.date(2026, 11, 30)
# The report's period, Wednesday to Wednesday, so that the first and last week
# are cut. Its limits in UTC, worked out by hand: Finnish summer time (+3) on
# 12 August, winter time (+2) on 18 November.
PERIOD = figures.Period(dt.date(2026, 8, 12), dt.date(2026, 11, 18))
START_UTC = dt.datetime(2026, 8, 11, 21, 0, tzinfo=dt.timezone.utc)
END_UTC = dt.datetime(2026, 11, 18, 22, 0, tzinfo=dt.timezone.utc)
UNHANDLED = ("suggest", "out_of_scope", "no_answer", "fallback")
QUESTION = "outcome NOT IN ('feedback', 'smalltalk') AND text NOT LIKE '/%'"
UNANSWERED = "outcome IN ('suggest', 'out_of_scope', 'no_answer', 'fallback')"
IN_PERIOD = "time >= :start AND time < :end"
HIDDEN_GROUP = "mikä on kampusravintola assarin ullakko"  # 9 questions, only 4 students


# -- the sample log, in SQLite and in PostgreSQL -------------------------------


def postgres_available() -> bool:
    try:
        socket.create_connection(PG, timeout=2).close()
        return True
    except OSError:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not running on 127.0.0.1:5432 (required in CI)")
        return False


def extra_rows() -> list[dict]:
    """Rows the privacy rules and the period limits must get right."""

    def row(when, text, conversation, outcome="out_of_scope", bot="tero", channel="rest"):
        return {
            "event_id": uuid.uuid4().hex,
            "time": when,
            "bot": bot,
            "channel": channel,
            "conversation": conversation,
            "text": text,
            "intent": "out_of_scope",
            "confidence": 0.4,
            "candidates": "[]",
            "outcome": outcome,
            "answer_ref": "",
            "feedback": None,
        }

    base = dt.datetime(2026, 9, 15, 12, tzinfo=dt.timezone.utc)
    rows = [
        row(
            base + dt.timedelta(hours=i),
            HIDDEN_GROUP + ("?" if i % 2 else ""),
            f"{'hidden':0>26}{i % 4:06d}",
        )
        for i in range(9)
    ]
    second = dt.timedelta(seconds=1)
    rows += [
        row(START_UTC - second, "ennen jaksoa", "e" * 32),  # outside
        row(START_UTC, "jakson alussa", "e" * 32),  # inside
        row(END_UTC - second, "jakson lopussa", "e" * 32),  # inside
        row(END_UTC, "jakson jälkeen", "e" * 32),
    ]  # outside
    return rows


def sample_rows(catalogue) -> list[dict]:
    return sample.generate(catalogue, LOG_FIRST, LOG_LAST, STUDENTS, SEED).rows + extra_rows()


@pytest.fixture(scope="module")
def sqlite_log(tmp_path_factory, catalogue) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('report') / 'log.db'}"
    sample.write(url, sample.Sample(sample_rows(catalogue), STUDENTS))
    return url


@pytest.fixture(scope="module")
def postgres_log(catalogue):
    if not postgres_available():
        pytest.skip("PostgreSQL not running")
    schema = f"report_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine("postgresql://postgres@127.0.0.1:5432/test", future=True)
    with admin.begin() as c:
        c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = f"postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
        sample.write(url, sample.Sample(sample_rows(catalogue), STUDENTS))
        yield url
    finally:
        with admin.begin() as c:
            c.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def log_url(request) -> str:
    return request.getfixturevalue(f"{request.param}_log")


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory, log_url, catalogue) -> Path:
    out = tmp_path_factory.mktemp("out")
    write_report(log_url, PERIOD, out, catalogue, today=dt.date(2026, 11, 20))
    return out


@pytest.fixture(scope="module")
def sqlite_report(tmp_path_factory, sqlite_log, catalogue) -> Path:
    out = tmp_path_factory.mktemp("sqlite-out")
    write_report(sqlite_log, PERIOD, out, catalogue, today=dt.date(2026, 11, 20))
    return out


def read_csv(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# -- what the published values must be, by the rules -----------------------------


def shown(n: int) -> str:
    return "<5" if 0 < n < 5 else str(n)


def shown_pct(part: int, whole: int) -> str:
    if whole == 0:
        return ""
    if 0 < part < 5 or 0 < whole - part < 5:
        return "–"
    return f"{100 * part / whole:.1f}"


class Sql:
    """Direct counts on the log, written by hand."""

    def __init__(self, url: str):
        self.engine = make_log_engine(url)
        self.sqlite = self.engine.dialect.name == "sqlite"

    def at(self, moment: dt.datetime) -> str:
        moment = moment.astimezone(dt.timezone.utc)
        return (
            moment.strftime("%Y-%m-%d %H:%M:%S.%f")
            if self.sqlite
            else moment.strftime("%Y-%m-%d %H:%M:%S+00")
        )

    def scalar(
        self, where: str, what: str = "count(*)", start=START_UTC, end=END_UTC, **params
    ) -> int:
        query = f"SELECT {what} FROM message_log WHERE time >= :start AND time < :end AND {where}"
        with self.engine.connect() as c:
            return (
                c.execute(
                    sa.text(query), {"start": self.at(start), "end": self.at(end), **params}
                ).scalar()
                or 0
            )

    def rows(self, query: str, **params) -> list[tuple]:
        with self.engine.connect() as c:
            return [
                tuple(r)
                for r in c.execute(
                    sa.text(query), {"start": self.at(START_UTC), "end": self.at(END_UTC), **params}
                )
            ]


@pytest.fixture(scope="module")
def sql(log_url):
    counter = Sql(log_url)
    yield counter
    counter.engine.dispose()


def week_limits(week: str) -> tuple[dt.datetime, dt.datetime]:
    """A week of the report in UTC, cut to the period (Finnish time, ISO weeks)."""
    from zoneinfo import ZoneInfo

    year, number = int(week[:4]), int(week[-2:])
    monday = dt.date.fromisocalendar(year, number, 1)
    helsinki = ZoneInfo("Europe/Helsinki")
    start = dt.datetime.combine(monday, dt.time(), helsinki)
    end = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(), helsinki)
    return max(start, START_UTC), min(end, END_UTC)


def bot_filter(bot: str) -> str:
    return "" if bot == "all" else f" AND bot = '{bot}'"


# -- every figure equals a direct SQL count ----------------------------------------


def test_period_limits_in_utc():
    assert (PERIOD.start, PERIOD.end) == (START_UTC, END_UTC)
    w44 = [w for w in PERIOD.weeks() if w.label == "2026-W44"][0]  # summer time ends 25.10.
    assert w44.start == dt.datetime(2026, 10, 25, 22, tzinfo=dt.timezone.utc)
    assert [w.label for w in PERIOD.weeks()][::14] == ["2026-W33", "2026-W47"]


def test_summary_equals_sql(report_dir, sql):
    rows = read_csv(report_dir, "summary")
    assert [r["bot"] for r in rows] == ["tero", "paavo", "all"]
    for r in rows:
        where = QUESTION + bot_filter(r["bot"])
        n = sql.scalar(where)
        unanswered = sql.scalar(f"{where} AND {UNANSWERED}")
        assert r == {
            "bot": r["bot"],
            "questions": shown(n),
            "students": shown(sql.scalar(where, "count(DISTINCT conversation)")),
            "unanswered": shown(unanswered),
            "unanswered_pct": shown_pct(unanswered, n),
            "crisis": shown(sql.scalar(f"{where} AND outcome = 'crisis'")),
        }
    assert int(rows[2]["questions"]) > 800  # a realistic volume


def test_languages_equal_sql(report_dir, sql):
    """Questions per language the bot answered in; rows of the log from before
    it kept languages (here the extra rows) as "?"."""
    rows = read_csv(report_dir, "languages")
    assert [r["lang"] for r in rows] == ["fi", "sv", "en", "?"]
    for r in rows:
        lang = "lang IS NULL" if r["lang"] == "?" else f"lang = '{r['lang']}'"
        where = f"{QUESTION} AND {lang}"
        n = sql.scalar(where)
        unanswered = sql.scalar(f"{where} AND {UNANSWERED}")
        assert r == {
            "lang": r["lang"],
            **{bot: shown(sql.scalar(where + bot_filter(bot))) for bot in ("tero", "paavo", "all")},
            "unanswered": shown(unanswered),
            "unanswered_pct": shown_pct(unanswered, n),
        }
    assert int(rows[0]["all"]) > 800 and rows[3]["all"] == "11"


def test_weekly_questions_equal_sql(report_dir, sql):
    rows = read_csv(report_dir, "weekly_questions")
    channels = {
        c
        for (c,) in sql.rows(
            f"SELECT DISTINCT channel FROM message_log WHERE {IN_PERIOD} AND {QUESTION}"
        )
    }
    assert channels == {"rest", "slack", "socketio"}
    weeks = list(dict.fromkeys(r["week"] for r in rows))
    assert weeks == [f"2026-W{n}" for n in range(33, 48)]
    assert len(rows) == len(weeks) * 2 * len(channels)
    for r in rows:
        start, end = week_limits(r["week"])
        assert r["week_start"] == dt.date.fromisocalendar(2026, int(r["week"][-2:]), 1).isoformat()
        n = sql.scalar(
            f"{QUESTION} AND bot = :bot AND channel = :channel",
            start=start,
            end=end,
            bot=r["bot"],
            channel=r["channel"],
        )
        assert r["questions"] == shown(n), r
    assert "<5" in {r["questions"] for r in rows}  # the sample has small cells to hide


def test_weekly_unanswered_equal_sql(report_dir, sql):
    rows = read_csv(report_dir, "weekly_unanswered")
    for r in rows:
        start, end = week_limits(r["week"])
        n = sql.scalar(f"{QUESTION} AND bot = :bot", start=start, end=end, bot=r["bot"])
        u = sql.scalar(
            f"{QUESTION} AND {UNANSWERED} AND bot = :bot", start=start, end=end, bot=r["bot"]
        )
        assert (r["questions"], r["unanswered"], r["unanswered_pct"]) == (
            shown(n),
            shown(u),
            shown_pct(u, n),
        ), r
    assert "–" in {r["unanswered_pct"] for r in rows}


def test_topics_equal_sql(report_dir, sql, catalogue):
    rows = read_csv(report_dir, "topics")
    expected = {
        (bot, ref): n
        for bot, ref, n in sql.rows(
            "SELECT bot, answer_ref, count(*) FROM message_log WHERE time >= :start AND time < :end"
            " AND outcome IN ('answer', 'services') AND answer_ref <> '' GROUP BY bot, answer_ref"
        )
    }
    assert {(r["bot"], r["id"]): r["answers"] for r in rows} == {
        k: shown(n) for k, n in expected.items()
    }
    for r in rows:
        if r["bot"] == "tero":
            assert (r["kind"], r["name"]) == ("term", catalogue.terms[r["id"]].term)
        else:
            assert (r["kind"], r["name"]) == ("need", catalogue.needs[r["id"]].name)
    # Most asked first within each bot; hidden counts after the shown ones.
    for bot in ("tero", "paavo"):
        counts = [r["answers"] for r in rows if r["bot"] == bot]
        visible = [int(c) for c in counts if c != "<5"]
        assert visible == sorted(visible, reverse=True) and len(visible) >= 10
        assert counts == [str(c) for c in visible] + ["<5"] * (len(counts) - len(visible))


def need_dimension(catalogue, need) -> str:
    dims = [catalogue.services[s].dimension for s in need.services if s in catalogue.services]
    best = max(Counter(dims).values())
    return next(d for d in dims if dims.count(d) == best)


@pytest.mark.parametrize("name,attribute", [("dimensions", "dimension"), ("phases", "phase")])
def test_dimension_and_phase_spread_equal_sql(report_dir, sql, catalogue, name, attribute):
    rows = read_csv(report_dir, name)
    assert [r[attribute] for r in rows] == list(catalogue.labels[attribute])
    for r in rows:
        code = r[attribute]
        assert r["label"] == catalogue.labels[attribute][code]
        terms = [t.id for t in catalogue.terms.values() if getattr(t, attribute) == code]
        needs = [
            n.id
            for n in catalogue.needs.values()
            if (need_dimension(catalogue, n) if attribute == "dimension" else n.phase) == code
        ]
        counts = {}
        for bot, outcome, refs in (("tero", "answer", terms), ("paavo", "services", needs)):
            quoted = ", ".join(f"'{ref}'" for ref in refs)
            counts[bot] = (
                sql.scalar(f"bot = '{bot}' AND outcome = '{outcome}' AND answer_ref IN ({quoted})")
                if refs
                else 0
            )
        total = counts["tero"] + counts["paavo"]
        assert (r["tero"], r["paavo"], r["all"]) == (
            shown(counts["tero"]),
            shown(counts["paavo"]),
            shown(total),
        ), r


def test_unanswered_groups_equal_sql(report_dir, sql):
    rows = read_csv(report_dir, "unanswered_groups")
    texts = [
        t
        for (t,) in sql.rows(
            f"SELECT DISTINCT text FROM message_log WHERE {IN_PERIOD} AND {QUESTION} AND {UNANSWERED}"
        )
    ]
    for r in rows:
        variants = [t for t in texts if group_key(t) == r["question"]]
        assert variants
        params = {f"v{i}": v for i, v in enumerate(variants)}
        where = (
            f"{QUESTION} AND {UNANSWERED} AND bot = :bot AND text IN "
            f"({', '.join(':' + k for k in params)})"
        )
        n = sql.scalar(where, bot=r["bot"], **params)
        students = sql.scalar(where, "count(DISTINCT conversation)", bot=r["bot"], **params)
        assert (r["questions"], r["students"]) == (shown(n), shown(students)), r
        assert students >= 5
    # Every group that 5 or more students asked is listed (the 20 biggest), no other.
    asked, askers = Counter(), defaultdict(set)
    for bot, text, conversation in sql.rows(
        f"SELECT bot, text, conversation FROM message_log WHERE {IN_PERIOD} AND {QUESTION} "
        f"AND {UNANSWERED}"
    ):
        asked[(bot, group_key(text))] += 1
        askers[(bot, group_key(text))].add(conversation)
    eligible = sorted(
        (k for k in asked if len(askers[k]) >= 5), key=lambda k: (-asked[k], -len(askers[k]), k)
    )
    assert [(r["bot"], r["question"]) for r in rows] == eligible[:20]
    assert [r["rank"] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    assert len(rows) >= 10
    assert asked[("tero", HIDDEN_GROUP)] == 9 and HIDDEN_GROUP not in {r["question"] for r in rows}


def test_feedback_equals_sql(report_dir, sql):
    rows = read_csv(report_dir, "feedback")
    assert [r["bot"] for r in rows] == ["tero", "paavo", "all"]
    for r in rows:
        where = "outcome <> 'feedback'" + bot_filter(r["bot"])
        up = sql.scalar(f"{where} AND feedback = 'up'")
        down = sql.scalar(f"{where} AND feedback = 'down'")
        assert r == {
            "bot": r["bot"],
            "up": shown(up),
            "down": shown(down),
            "up_pct": shown_pct(up, up + down),
        }
    assert int(rows[2]["up"]) > 50


def test_sqlite_and_postgresql_give_the_same_report(
    sqlite_report, postgres_log, catalogue, tmp_path
):
    write_report(postgres_log, PERIOD, tmp_path, catalogue, today=dt.date(2026, 11, 20))
    for path in sorted(sqlite_report.glob("*.csv")):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


# -- privacy -------------------------------------------------------------------------


class Cells(HTMLParser):
    """The data-value of each cell of each figure table on the page."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.images: list[str] = []
        self._table = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._table = self.tables.setdefault(a["data-figure"], [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag == "td" and self._table is not None:
            self._table[-1].append(a["data-value"])
        elif tag == "img":
            self.images.append(a["src"])

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None


def test_page_shows_exactly_the_csv_figures(report_dir):
    parser = Cells()
    parser.feed((report_dir / "raportti.html").read_text(encoding="utf-8"))
    for name in (
        "summary",
        "languages",
        "weekly_questions",
        "topics",
        "dimensions",
        "phases",
        "weekly_unanswered",
        "unanswered_groups",
        "feedback",
    ):
        csv_rows = [list(r.values()) for r in read_csv(report_dir, name)]
        assert [r for r in parser.tables[name] if r] == csv_rows, name
    assert len(parser.images) == 8
    for src in parser.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_small_count_no_pseudonym_no_lone_question_is_published(report_dir, sql):
    for path in report_dir.glob("*.csv"):
        for row in csv.DictReader(path.open(encoding="utf-8")):
            for column, value in row.items():
                if value.isdigit() and column != "rank" and column != "dimension":
                    assert value == "0" or int(value) >= 5, (path.name, row)
    published = "".join(
        p.read_text(encoding="utf-8") for p in report_dir.iterdir() if p.suffix in (".csv", ".html")
    )
    conversations = [c for (c,) in sql.rows("SELECT DISTINCT conversation FROM message_log")]
    assert len(conversations) > STUDENTS
    assert not [c for c in conversations if c in published]
    # Questions fewer than 5 students asked never show, in any spelling.
    lone = ["kampusravintola", "lastenvahdin", "[PUHELIN]", "[puhelin]", "jakson alussa"]
    assert not [t for t in lone if t in published]


def test_small_counts_are_not_drawn():
    table = figures.Table(
        "weekly_questions",
        ("week", "week_start", "bot", "channel", "questions"),
        [
            {
                "week": "2026-W40",
                "week_start": "2026-09-28",
                "bot": "tero",
                "channel": "rest",
                "questions": "<5",
            }
        ],
    )
    assert plots.number("<5") is None and plots.number("–") is None and plots.number("12") == 12
    assert (
        plots.topics(
            figures.Table(
                "topics",
                ("bot", "kind", "id", "name", "answers"),
                [{"bot": "tero", "kind": "term", "id": "kela", "name": "Kela", "answers": "<5"}],
            ),
            "tero",
            15,
        )
        is None
    )
    assert plots.weekly_questions(table).startswith(b"\x89PNG")


def test_every_text_on_the_page_is_escaped(report_dir):
    evil = '<script>alert("x")</script> & <b onmouseover=1>'
    tables = {
        name: figures.Table(name, tuple(rows[0]) if rows else ("bot",), rows)
        for name, rows in ((p.stem, read_csv(report_dir, p.stem)) for p in report_dir.glob("*.csv"))
    }
    groups = tables["unanswered_groups"]
    groups.rows[0] = {**groups.rows[0], "question": evil}
    topics = tables["topics"]
    topics.rows[0] = {**topics.rows[0], "name": evil, "id": evil}
    tables["dimensions"].rows[0] = {**tables["dimensions"].rows[0], "label": evil}
    page = html.render(tables, plots.draw_all(tables), PERIOD, today=dt.date(2026, 11, 20))
    assert "<script" not in page and "<b " not in page
    assert page.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b") >= 4


def test_rates_are_hidden_when_they_would_give_a_small_count_away():
    assert figures.percent(3, 100) == "–" and figures.percent(97, 100) == "–"
    assert figures.percent(0, 40) == "0.0" and figures.percent(40, 40) == "100.0"
    assert figures.percent(10, 40) == "25.0" and figures.percent(0, 0) == ""
    assert [figures.count(n) for n in (0, 1, 4, 5, 12)] == ["0", "<5", "<5", "5", "12"]


# -- the sample log -----------------------------------------------------------------


def test_sample_is_deterministic_and_realistic(catalogue):
    one = sample.generate(catalogue, LOG_FIRST, LOG_LAST, 200, seed=3).rows
    assert one == sample.generate(catalogue, LOG_FIRST, LOG_LAST, 200, seed=3).rows
    assert one != sample.generate(catalogue, LOG_FIRST, LOG_LAST, 200, seed=4).rows
    assert [r["time"] for r in one] == sorted(r["time"] for r in one)
    assert all(r["time"].tzinfo is not None for r in one)
    assert {r["channel"] for r in one} == {"rest", "slack", "socketio"}
    outcomes = Counter(r["outcome"] for r in one)
    assert set(outcomes) == {
        "answer",
        "services",
        "suggest",
        "out_of_scope",
        "no_answer",
        "smalltalk",
        "feedback",
    }
    assert outcomes["answer"] > outcomes["suggest"] > 0
    answered = [r for r in one if r["outcome"] in ("answer", "services") and r["answer_ref"]]
    assert all(
        r["answer_ref"] in (catalogue.terms if r["bot"] == "tero" else catalogue.needs)
        for r in answered
    )
    assert len({r["answer_ref"] for r in answered}) > 40
    phrasings = {
        group_key(t)
        for texts in (*catalogue.term_phrasings.values(), *catalogue.need_phrasings.values())
        for t in texts
    }
    asked = [
        r["text"]
        for r in one
        if r["outcome"] in ("answer", "services") and not r["text"].startswith("/")
    ]
    assert all(group_key(t) in phrasings for t in asked)  # the catalogue's Finnish phrasings
    assert any("ä" in t or "ö" in t for t in asked)
    rated = [r for r in one if r["feedback"]]
    assert rated and len(rated) == outcomes["feedback"]
    assert all(len(r["conversation"]) == 32 and len(r["event_id"]) == 32 for r in one)
    assert len({r["event_id"] for r in one}) == len(one)


def test_sample_goes_into_an_empty_log_only(tmp_path, catalogue):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    small = sample.generate(catalogue, LOG_FIRST, LOG_FIRST + dt.timedelta(days=6), 5, seed=1)
    assert sample.write(url, small) == len(small.rows)
    with pytest.raises(sample.LogNotEmpty):
        sample.write(url, small)
    assert sample.main(["--url", url, "--students", "5"]) == 1


# -- the commands ---------------------------------------------------------------------


def test_sample_command_replaces_only_its_own_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("STUDYBOTS_VAR_DIR", str(tmp_path))
    for _ in range(2):
        assert sample.main(["--students", "20", "--from", "2026-09-01", "--to", "2026-09-07"]) == 0
    out = capsys.readouterr().out
    assert out.count(f"sqlite:///{tmp_path / 'sample-log.db'}") == 4
    first_count = int(out.split()[0])
    engine = make_log_engine(f"sqlite:///{tmp_path / 'sample-log.db'}")
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM message_log")).scalar() == first_count
    engine.dispose()


def test_report_and_sample_commands(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    assert (
        sample.main(
            [
                "--url",
                url,
                "--students",
                "60",
                "--seed",
                "2",
                "--from",
                "2026-09-01",
                "--to",
                "2026-09-30",
            ]
        )
        == 0
    )
    assert "sample log rows of 60 students" in capsys.readouterr().out
    out = tmp_path / "out"
    assert (
        report_main(["--url", url, "--from", "2026-09-01", "--to", "2026-09-30", "--out", str(out)])
        == 0
    )
    assert "raportti.html" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            "raportti.html",
            "summary.csv",
            "languages.csv",
            "weekly_questions.csv",
            "topics.csv",
            "dimensions.csv",
            "phases.csv",
            "weekly_unanswered.csv",
            "unanswered_groups.csv",
            "feedback.csv",
        ]
    )
    with pytest.raises(SystemExit):
        report_main(["--url", url, "--from", "2026-09-30", "--to", "2026-09-01"])


def test_report_of_an_empty_log(tmp_path, catalogue):
    page = write_report(f"sqlite:///{tmp_path / 'empty.db'}", PERIOD, tmp_path / "out", catalogue)
    text = page.read_text(encoding="utf-8")
    assert TEXTS["fi"]["groups_none"].format(k=5) in text
    assert read_csv(tmp_path / "out", "summary")[2] == {
        "bot": "all",
        "questions": "0",
        "students": "0",
        "unanswered": "0",
        "unanswered_pct": "",
        "crisis": "0",
    }


def test_every_language_has_every_text():
    keys = set(TEXTS["fi"])
    assert all(set(TEXTS[lang]) == keys for lang in LANGUAGES)


# -- the page in a real browser -----------------------------------------------------------

CHECK = """<script>window.addEventListener("load", () => {
  const broken = [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).length;
  document.body.setAttribute("data-check",
                             "images=" + document.images.length + " broken=" + broken);
});</script>"""


def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        message = "chromium is not installed (make install installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def run_chromium(page: Path, *args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        command = [
            chromium(),
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,2000",
            *args,
            page.as_uri(),
        ]
        if os.geteuid() == 0:
            command.insert(1, "--no-sandbox")
        return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.mark.browser
def test_page_opens_in_headless_chromium(sqlite_report):
    artifacts = PROJECT_ROOT / "results" / "report"
    artifacts.mkdir(parents=True, exist_ok=True)
    page = artifacts / "raportti.html"
    shutil.copyfile(sqlite_report / "raportti.html", page)
    screenshot = artifacts / "raportti.png"
    screenshot.unlink(missing_ok=True)
    shot = run_chromium(page, f"--screenshot={screenshot}")
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 50_000  # a page with pictures, not a blank one
    # The page has no scripts: any console message (script error, blocked
    # resource, CSP violation) is a fault.
    console = [line for line in shot.stderr.splitlines() if ":CONSOLE" in line]
    assert not console, console

    # Every picture decodes: a copy of the page with a checking script.
    checked = artifacts / "raportti-check.html"
    source = page.read_text(encoding="utf-8")
    source = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", source)
    checked.write_text(source.replace("</body>", CHECK + "</body>"), encoding="utf-8")
    dom = run_chromium(checked, "--virtual-time-budget=5000", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-check="images=8 broken=0"' in dom.stdout
    assert "Mitä boteilta kysytään" in dom.stdout
    assert "Muutto opiskelupaikkakunnalle" in dom.stdout  # the catalogue's life event
    assert not [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
