"""The question log: rows without personal data, written in the background,
kept while the database is down and delivered when it is back."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import time

import pytest
import sqlalchemy as sa

from studybots.questionlog.broker import LogStoreBroker
from studybots.questionlog.model import make_log_engine, message_log
from studybots.questionlog.retention import delete_older_than
from studybots.questionlog.writer import LogWriter
from tests.support.log_rows import row
from tests.support.tcp_proxy import TcpProxy

KEY = b"test-key-0123456789"
PG = ("127.0.0.1", 5432)


def rows(url: str) -> list[dict]:
    engine = make_log_engine(url)
    with engine.connect() as c:
        result = [
            dict(r._mapping) for r in c.execute(sa.select(message_log).order_by(message_log.c.id))
        ]
    engine.dispose()
    return result


def postgres_available() -> bool:
    try:
        socket.create_connection(PG, timeout=2).close()
        return True
    except OSError:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not running on 127.0.0.1:5432 (required in CI)")
        return False


def test_writer_stores_rows_in_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    writer = LogWriter(url, tmp_path / "spool", flush_interval=0.05)
    for i in range(25):
        writer.record(row(i))
    assert writer.flush(10)
    writer.close()
    assert [r["text"] for r in rows(url)] == [f"kysymys {i}" for i in range(25)]


def test_rows_are_kept_while_postgres_is_down_and_delivered_after(tmp_path):
    if not postgres_available():
        pytest.skip("PostgreSQL not running")
    proxy = TcpProxy(PG)
    proxy.start()
    url = f"postgresql://postgres@127.0.0.1:{proxy.port}/test"
    direct = "postgresql://postgres@127.0.0.1:5432/test"
    marker = f"outage-{time.time_ns()}"
    writer = LogWriter(url, tmp_path / "spool", flush_interval=0.05)
    try:
        writer.record(row(0, text=f"{marker} before"))
        assert writer.flush(15)
        proxy.stop()  # the database becomes unreachable mid-conversation
        started = time.perf_counter()
        for i in range(1, 21):
            writer.record(row(i, text=f"{marker} during {i}"))
        assert time.perf_counter() - started < 0.5  # recording never waits for the database
        time.sleep(1.5)
        assert writer.pending == 20
        spooled = list((tmp_path / "spool").glob("spool-*.jsonl"))
        assert spooled and sum(len(p.read_text().splitlines()) for p in spooled) == 20
        proxy.start()  # back
        assert writer.flush(60), "rows were not delivered after the outage"
    finally:
        writer.close()
        proxy.stop()
    texts = [r["text"] for r in rows(direct) if r["text"].startswith(marker)]
    assert texts == [f"{marker} before"] + [f"{marker} during {i}" for i in range(1, 21)]
    assert not list((tmp_path / "spool").glob("spool-*.jsonl"))


def test_spooled_rows_survive_a_restart(tmp_path):
    url = f"sqlite:///{tmp_path / 'missing-dir' / 'log.db'}"
    (tmp_path / "missing-dir").write_text("not a directory")  # the database cannot be opened
    writer = LogWriter(url, tmp_path / "spool", flush_interval=0.05)
    for i in range(5):
        writer.record(row(i))
    time.sleep(1.0)
    writer.close()  # the process stops while the database is still down
    assert sum(len(p.read_text().splitlines()) for p in (tmp_path / "spool").glob("*.jsonl")) == 5
    (tmp_path / "missing-dir").unlink()
    (tmp_path / "missing-dir").mkdir()
    restarted = LogWriter(url, tmp_path / "spool", flush_interval=0.05)
    assert restarted.flush(15)
    restarted.close()
    assert len(rows(url)) == 5


def test_retrying_a_batch_does_not_duplicate_rows(tmp_path):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    writer = LogWriter(url, tmp_path / "spool", flush_interval=0.05)
    first = row(1, event_id="a" * 32)
    writer.record(first)
    assert writer.flush(10)
    writer.record(first)  # the same row again, as after a lost acknowledgement
    writer.record(row(2))
    assert writer.flush(10)
    writer.close()
    assert [r["text"] for r in rows(url)] == ["kysymys 1", "kysymys 2"]


def test_retention_deletes_only_old_rows(tmp_path):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    writer = LogWriter(url, tmp_path / "spool", flush_interval=0.05)
    now = dt.datetime.now(dt.timezone.utc)
    writer.record(row(1, time=now - dt.timedelta(days=400)))
    writer.record(row(2, time=now - dt.timedelta(days=10)))
    writer.flush(10)
    writer.close()
    assert delete_older_than(url, 30) == 1
    assert [r["text"] for r in rows(url)] == ["kysymys 2"]


def events(
    sender: str, text: str, parse: dict, actions: list[tuple[str, dict | None]]
) -> list[dict]:
    out = [
        {
            "event": "user",
            "sender_id": sender,
            "timestamp": time.time(),
            "text": text,
            "input_channel": "rest",
            "parse_data": parse,
        }
    ]
    for name, bot in actions:
        out.append({"event": "action", "sender_id": sender, "name": name})
        if bot is not None:
            out.append(
                {
                    "event": "bot",
                    "sender_id": sender,
                    "text": bot.get("text"),
                    "data": {"buttons": bot.get("buttons")},
                }
            )
    out.append({"event": "action", "sender_id": sender, "name": "action_listen"})
    return out


def parse(*ranking):
    intents = [{"name": n, "confidence": c} for n, c in ranking]
    return {"intent": intents[0], "intent_ranking": intents}


def test_broker_logs_each_turn_without_personal_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    writer = LogWriter(url, tmp_path / "spool", flush_interval=0.05)
    broker = LogStoreBroker(url, "tero", writer=writer, key=KEY)
    sender = "U012ABCDEF-slack-user"
    stream = (
        events(
            sender,
            "mikä on kela? soita 040 123 4567",
            parse(("termi_kela", 0.9)),
            [("action_answer_term", {"text": "Kela ... https://www.kela.fi/"})],
        )
        + events(
            sender,
            "rahaa opiskeluun",
            parse(("nlu_fallback", 0.15), ("termi_opintotuki", 0.2), ("termi_opintoraha", 0.1)),
            [("action_answer_term", {"text": "Tarkoititko", "buttons": [{"title": "x"}]})],
        )
        + events(sender, "moi", parse(("greet", 0.99)), [("utter_greet", {"text": "Hei!"})])
        + events(
            sender,
            "kerro vitsi",
            parse(("out_of_scope", 0.8)),
            [("utter_out_of_scope", {"text": "En osaa"})],
        )
    )
    for event in stream:
        broker.publish(event)
    broker.publish({"event": "bot", "sender_id": "nobody"})  # stray events are ignored
    broker.publish({"nonsense": True})
    assert writer.flush(10)
    writer.close()
    logged = rows(url)
    assert [(r["outcome"], r["answer_ref"]) for r in logged] == [
        ("answer", "kela"),
        ("suggest", "opintotuki;opintoraha"),
        ("smalltalk", "greet"),
        ("out_of_scope", ""),
    ]
    assert logged[0]["text"] == "mikä on kela? soita [PUHELIN]"
    assert all(r["conversation"] == logged[0]["conversation"] for r in logged)
    dump = json.dumps([{k: str(v) for k, v in r.items()} for r in logged])
    assert sender not in dump and "U012ABCDEF" not in dump and "040 123 4567" not in dump
    assert json.loads(logged[1]["candidates"])[1] == {"name": "termi_opintotuki", "confidence": 0.2}


def test_retention_command_covers_log_and_conversations(tmp_path, monkeypatch, capsys):
    from studybots.questionlog import retention

    monkeypatch.setenv("STUDYBOTS_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("STUDYBOTS_LOG_URL", raising=False)
    assert retention.main(["--days", "30", "--conversation-days", "7"]) == 0
    out = capsys.readouterr().out
    assert "log rows older than 30 days" in out
    assert "tero conversation events older than 7 days" in out
    assert "paavo conversation events older than 7 days" in out


def test_thumbs_down_rates_the_answer_before_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    writer = LogWriter(url, tmp_path / "spool", flush_interval=0.05)
    broker = LogStoreBroker(url, "tero", writer=writer, key=KEY)
    for event in (
        events(
            "s1",
            "mikä on kela",
            parse(("termi_kela", 0.9)),
            [
                (
                    "action_answer_term",
                    {
                        "text": "Kela https://www.kela.fi/",
                        "buttons": [{"title": "👍"}, {"title": "👎"}],
                    },
                )
            ],
        )
        + events(
            "s2",
            "mikä on föli",
            parse(("termi_foli", 0.9)),
            [("action_answer_term", {"text": "Föli https://www.foli.fi/"})],
        )
        + events(
            "s1",
            "/feedback_down",
            parse(("feedback_down", 1.0)),
            [("utter_feedback_down", {"text": "Kiitos palautteesta"})],
        )
        + events(
            "s2",
            "/feedback_up",
            parse(("feedback_up", 1.0)),
            [("utter_feedback_up", {"text": "Kiitos"})],
        )
    ):
        broker.publish(event)
    assert writer.flush(10)
    writer.close()
    logged = {(r["text"], r["outcome"]): r for r in rows(url)}
    assert logged[("mikä on kela", "answer")]["feedback"] == "down"
    assert logged[("mikä on föli", "answer")]["feedback"] == "up"
    assert logged[("/feedback_down", "feedback")]["answer_ref"] == "down"


def test_spool_files_are_the_owners_only(tmp_path):
    import os
    import stat

    url = f"sqlite:///{tmp_path / 'missing-dir' / 'log.db'}"
    (tmp_path / "missing-dir").write_text("not a directory")  # the database cannot be opened
    old = os.umask(0o022)
    try:
        writer = LogWriter(url, tmp_path / "spool", flush_interval=0.05)
        writer.record(row(1, text="olen Matti Meikäläinen, puh 040 123 4567"))
        time.sleep(1.0)
        writer.close()
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "spool").stat().st_mode) == 0o700
    spools = list((tmp_path / "spool").glob("*.jsonl"))
    assert spools
    for path in spools:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        data = path.read_text(encoding="utf-8")
        assert "Meikäläinen" not in data and "040 123 4567" not in data
        assert "[NIMI]" in data and "[PUHELIN]" in data


JOURNALING_CHILD = """
import sys, time
from studybots.questionlog.writer import LogWriter
from tests.support.log_rows import row
writer = LogWriter(sys.argv[1], sys.argv[2], flush_interval=0.05)
writer.sink.write = lambda rows: time.sleep(600)  # the rows stay queued: the database is slow
for i in range(20):
    writer.record(row(i, text=f"{sys.argv[3]} {i}"))
print("recorded", flush=True)
time.sleep(600)
"""


def test_rows_queued_in_a_killed_process_are_delivered_by_the_next_writer(tmp_path):
    """SIGKILL (out of memory, the supervisor's tests) with rows on the queue:
    their replies have gone out, so the next writer delivers them, once; the
    journal of a writer that is still alive is left to it."""
    import signal
    import subprocess
    import sys

    from studybots.core.settings import PROJECT_ROOT, rasa_env

    url = f"sqlite:///{tmp_path / 'log.db'}"
    spool = tmp_path / "spool"

    def child(marker: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-c", JOURNALING_CHILD, url, str(spool), marker],
            cwd=PROJECT_ROOT,
            env=rasa_env(),
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout.readline().strip() == "recorded"
        return process

    killed, alive = child("killed"), child("alive")
    try:
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        writer = LogWriter(url, spool, flush_interval=0.05)
        assert writer.flush(15)
        writer.close()
        texts = sorted(r["text"] for r in rows(url))
        assert texts == sorted(f"killed {i}" for i in range(20))  # all, once; none of "alive"
        assert len(list(spool.glob("journal-*.jsonl"))) == 1  # the live writer's own
    finally:
        alive.kill()
        alive.wait()


def test_a_turn_published_twice_is_logged_once(tmp_path):
    """Rasa publishes a turn again when saving the conversation failed (its
    fail-safe store falls back to memory and streams every event): the chaos
    benchmark found a doubled row after PostgreSQL connections were cut."""
    url = f"sqlite:///{tmp_path / 'log.db'}"
    writer = LogWriter(url, tmp_path / "spool", flush_interval=0.05)
    broker = LogStoreBroker(url, "tero", writer=writer, key=KEY)
    first = events(
        "student-1", "mikä on kela", parse(("termi_kela", 0.9)), [("utter_x", {"text": "x"})]
    )
    again = events(
        "student-1", "mikä on kela", parse(("termi_kela", 0.9)), [("utter_x", {"text": "x"})]
    )  # the same words a moment later: a new message
    for event in first + first + again:
        broker.publish(event)
    assert writer.flush(10)
    writer.close()
    assert len(rows(url)) == 2


def test_each_row_has_the_language_the_bot_answered_in(tmp_path):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    writer = LogWriter(url, tmp_path / "spool", flush_interval=0.05)
    broker = LogStoreBroker(url, "tero", writer=writer, key=KEY)

    def answered(text: str, lang: str | None, detected: str | None) -> list[dict]:
        stream = events(
            "student", text, parse(("termi_kela", 0.9)), [("action_answer_term", {"text": "x"})]
        )
        stream[0]["parse_data"]["language"] = {"detected": detected, "confidence": 0.9}
        if lang:  # as Rasa publishes a reply whose response names its language
            stream[2]["metadata"] = {"metadata": {"language": lang}}
        return stream

    for event in (
        answered("vad är FPA", "sv", "sv")
        + answered("kela", "en", None)  # a bare name: the conversation's language
        + answered("what is kela", None, "en")  # no reply names one: the detection
        + answered("???", None, None)
        + answered("hmm", "xx", "de")  # nothing the catalogue is written in
    ):
        broker.publish(event)
    assert writer.flush(10)
    writer.close()
    assert [r["lang"] for r in rows(url)] == ["sv", "en", "en", None, None]


def test_a_log_table_of_an_older_version_gets_the_new_column(tmp_path):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    engine = make_log_engine(url)
    with engine.begin() as c:  # message_log as the first release created it
        c.exec_driver_sql(
            "CREATE TABLE message_log (id INTEGER PRIMARY KEY, event_id VARCHAR(32) NOT NULL "
            "UNIQUE, time DATETIME NOT NULL, bot VARCHAR(16) NOT NULL, channel VARCHAR(32) NOT "
            "NULL, conversation VARCHAR(32) NOT NULL, text TEXT NOT NULL, intent VARCHAR(100), "
            "confidence FLOAT, candidates TEXT NOT NULL, outcome VARCHAR(20) NOT NULL, "
            "answer_ref TEXT NOT NULL, feedback VARCHAR(8))"
        )
        c.exec_driver_sql(
            "INSERT INTO message_log (event_id, time, bot, channel, conversation, text, "
            "candidates, outcome, answer_ref) VALUES ('old', '2026-09-01 10:00:00', 'tero', "
            "'rest', 'c', 'vanha kysymys', '[]', 'answer', 'kela')"
        )
    engine.dispose()
    writer = LogWriter(url, tmp_path / "spool", flush_interval=0.05)
    writer.record(row(1, lang="sv"))
    assert writer.flush(10)
    writer.close()
    assert [(r["text"], r["lang"]) for r in rows(url)] == [
        ("vanha kysymys", None),
        ("kysymys 1", "sv"),
    ]
