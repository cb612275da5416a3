"""The windowed SQL tracker store and the SQL lock store, on real SQLite."""

from __future__ import annotations

import asyncio
import json

import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from studybots.bot.lock_store import SQLLockStore
from studybots.bot.tracker_store import WindowedSQLTrackerStore

DOMAIN = Domain.from_dict(
    {
        "intents": ["greet"],
        "entities": ["paikka"],
        "slots": {
            "asuu_turussa": {"type": "text", "mappings": [{"type": "custom"}]},
            "last_query": {"type": "text", "mappings": [{"type": "custom"}]},
            "situation_facts": {"type": "any", "mappings": [{"type": "custom"}]},
        },
    }
)


def turn(i: int) -> list:
    return [
        UserUttered(f"viesti {i}", {"name": "greet", "confidence": 1.0}),
        ActionExecuted("utter_greet"),
        BotUttered(f"vastaus {i}"),
        ActionExecuted("action_listen"),
    ]


KEY = b"tracker-test-key"


def count_rows(url: str, sender: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as c:
        n = c.execute(sa.text("select count(*) from events")).scalar()
    engine.dispose()
    return n


def test_stored_conversations_hold_no_sender_id_and_no_personal_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = WindowedSQLTrackerStore(DOMAIN, host=url, key=KEY)
    tracker = DialogueStateTracker("U0SLACKUSER42", DOMAIN.slots)
    text = "hetuni on 131052-308T ja sposti maija.m@utu.fi"
    tracker.update(
        UserUttered(
            text,
            {"name": "greet", "confidence": 1.0},
            parse_data={"text": text, "intent": {"name": "greet"}},
        )
    )
    tracker.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(tracker))
    engine = sa.create_engine(url)
    with engine.connect() as c:
        stored = list(c.execute(sa.text("select sender_id, data from events")))
    engine.dispose()
    dump = " ".join(f"{sender} {json.loads(data)}" for sender, data in stored)
    for secret in ("U0SLACKUSER42", "131052-308T", "maija.m@utu.fi"):
        assert secret not in dump
    assert "[HETU]" in dump and "[SÄHKÖPOSTI]" in dump
    loaded = asyncio.run(store.retrieve("U0SLACKUSER42"))
    assert loaded.sender_id == "U0SLACKUSER42" and len(loaded.events) == 2
    assert (
        asyncio.run(
            WindowedSQLTrackerStore(DOMAIN, host=url, key=b"other").retrieve("U0SLACKUSER42")
        )
        is None
    )  # without the key the conversation cannot be found


PERSONAL_TEXT = (
    "olen Matti Meikäläinen, hetu 131052-308T, puh 040 123 4567, "
    "matti.m@utu.fi, FI21 1234 5600 0007 85, asun Hämeenkatu 12 A 3, 20100 Turku"
)
RAW_VALUES = (
    "Meikäläinen",
    "131052-308T",
    "040 123 4567",
    "matti.m@utu.fi",
    "FI21 1234",
    "Hämeenkatu 12",
    "20100 Turku",
)


def stored_dump(url: str) -> str:
    engine = sa.create_engine(url)
    with engine.connect() as c:
        rows = list(c.execute(sa.text("select sender_id, data from events")))
    engine.dispose()
    # As the database holds it (JSON with \u escapes) and decoded.
    return " ".join(f"{sender} {data} {json.loads(data)}" for sender, data in rows)


def test_every_field_of_every_event_is_stored_scrubbed(tmp_path):
    """Text, parse data, entities, slot values (Paavo's last_query), bot
    messages and their buttons: nothing personal in clear; client metadata
    dropped, Rasa's own model_id kept."""
    from rasa.shared.core.events import SessionStarted

    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = WindowedSQLTrackerStore(DOMAIN, host=url, key=KEY)
    tracker = DialogueStateTracker("rest-student-77", DOMAIN.slots)
    client = {"nimi": "Maija Mehiläinen", "hetu": "240147-632T", "model_id": "abc123"}
    tracker.update(SessionStarted(metadata=client))
    tracker.update(SlotSet("session_started_metadata", client))
    tracker.update(
        UserUttered(
            PERSONAL_TEXT,
            {"name": "greet", "confidence": 1.0},
            entities=[{"entity": "paikka", "value": "Hämeenkatu 12 A 3", "start": 0, "end": 5}],
            parse_data={"text": PERSONAL_TEXT, "intent": {"name": "greet"}},
            metadata=client,
        )
    )
    tracker.update(SlotSet("last_query", PERSONAL_TEXT))
    tracker.update(SlotSet("situation_facts", {"nimi": "Matti Meikäläinen", "abroad": "yes"}))
    tracker.update(
        BotUttered(
            "Hei Matti Meikäläinen, soitamme numeroon 040 123 4567",
            data={"buttons": [{"title": "matti.m@utu.fi", "payload": "/greet"}]},
            metadata={"utter_action": "utter_greet", "nimi": "Maija Mehiläinen"},
        )
    )
    tracker.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(tracker))

    dump = stored_dump(url)
    for secret in (*RAW_VALUES, "Mehiläinen", "Mehil\\u00e4inen", "240147-632T", "rest-student-77"):
        assert secret not in dump, secret
    assert "Meik\\u00e4l" not in dump
    loaded = asyncio.run(store.retrieve("rest-student-77"))
    assert loaded.get_slot("last_query") == (
        "olen [NIMI], hetu [HETU], puh [PUHELIN], [SÄHKÖPOSTI], [IBAN], asun [OSOITE]"
    )
    assert loaded.get_slot("situation_facts") == {"nimi": "[NIMI]", "abroad": "yes"}
    assert loaded.get_slot("session_started_metadata") == {"model_id": "abc123"}
    user = loaded.latest_message
    assert user.metadata == {"model_id": "abc123"}
    assert user.entities[0]["value"] == "[OSOITE]"
    bot = [e for e in loaded.events if isinstance(e, BotUttered)][0]
    assert bot.metadata == {"utter_action": "utter_greet"}
    assert bot.data["buttons"][0] == {"title": "[SÄHKÖPOSTI]", "payload": "/greet"}


def test_lock_store_keeps_no_conversation_id(tmp_path):
    url = f"sqlite:///{tmp_path / 'locks.db'}"
    store = SQLLockStore(url=url, key=KEY)
    store.issue_ticket("U0SLACKUSER42", lock_lifetime=60)
    lock = store.get_lock("U0SLACKUSER42")
    assert lock.conversation_id == "U0SLACKUSER42"  # in memory, for Rasa
    engine = sa.create_engine(url)
    with engine.connect() as c:
        rows = [tuple(r) for r in c.execute(sa.text("select * from conversation_locks"))]
    engine.dispose()
    assert len(rows) == 1 and "U0SLACKUSER42" not in str(rows)
    assert rows[0][0] == store.stored_id("U0SLACKUSER42")
    assert json.loads(rows[0][1])["conversation_id"] == rows[0][0]
    assert SQLLockStore(url=url, key=b"other").get_lock("U0SLACKUSER42") is None


def test_conversation_retention(tmp_path):
    import time as _time

    from studybots.bot.tracker_store import delete_events_older_than

    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = WindowedSQLTrackerStore(DOMAIN, host=url, key=KEY)
    tracker = DialogueStateTracker("old", DOMAIN.slots)
    tracker.update(
        UserUttered(
            "vanha", {"name": "greet", "confidence": 1.0}, timestamp=_time.time() - 40 * 86400
        )
    )
    tracker.update(UserUttered("uusi", {"name": "greet", "confidence": 1.0}))
    asyncio.run(store.save(tracker))
    assert delete_events_older_than(url, 30) == 1
    assert [e.text for e in asyncio.run(store.retrieve("old")).events] == ["uusi"]


def test_long_conversation_loads_a_window_but_keeps_every_event_and_slot(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = WindowedSQLTrackerStore(DOMAIN, host=url, window=40, key=KEY)
    tracker = DialogueStateTracker("student", DOMAIN.slots)
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(SlotSet("asuu_turussa", "kylla"))
    tracker.update(SlotSet("asuu_turussa", "ei"))
    tracker.update(ActiveLoop("tilanne_form"))
    for i in range(100):
        for event in turn(i):
            tracker.update(event)
    asyncio.run(store.save(tracker))
    stored = count_rows(url, "student")
    assert stored == len(tracker.events) == 404

    loaded = asyncio.run(store.retrieve("student"))
    assert len(loaded.events) == 42  # 40 recent events + latest slot value + active form
    assert loaded.get_slot("asuu_turussa") == "ei"
    assert loaded.active_loop_name == "tilanne_form"
    assert loaded.latest_message.text == "viesti 99"

    for event in turn(100):
        loaded.update(event)
    asyncio.run(store.save(loaded))
    asyncio.run(store.save(loaded))  # saving twice adds nothing twice
    assert count_rows(url, "student") == stored + 4
    again = asyncio.run(store.retrieve("student"))
    assert again.latest_message.text == "viesti 100"
    assert again.get_slot("asuu_turussa") == "ei"


def test_short_conversation_is_loaded_whole(tmp_path):
    store = WindowedSQLTrackerStore(
        DOMAIN, host=f"sqlite:///{tmp_path / 't.db'}", window=40, key=KEY
    )
    tracker = DialogueStateTracker("s2", DOMAIN.slots)
    for event in turn(1):
        tracker.update(event)
    asyncio.run(store.save(tracker))
    assert [e.as_dict()["event"] for e in asyncio.run(store.retrieve("s2")).events] == [
        e.as_dict()["event"] for e in tracker.events
    ]
    assert asyncio.run(store.retrieve("nobody")) is None


def test_lock_store_is_shared_between_workers(tmp_path):
    url = f"sqlite:///{tmp_path / 'locks.db'}"
    worker_a, worker_b = SQLLockStore(url=url, key=KEY), SQLLockStore(url=url, key=KEY)
    ticket_a = worker_a.issue_ticket("conv", lock_lifetime=60)
    ticket_b = worker_b.issue_ticket("conv", lock_lifetime=60)
    assert ticket_b == ticket_a + 1
    lock = worker_b.get_lock("conv")
    assert lock.is_locked(ticket_b)  # b waits while a is served
    worker_a.finish_serving("conv", ticket_a)
    assert not worker_b.get_lock("conv").is_locked(ticket_b)
    worker_b.finish_serving("conv", ticket_b)
    worker_b.cleanup("conv", ticket_b)
    assert worker_a.get_lock("conv") is None


def test_workers_starting_together_on_a_fresh_database(tmp_path):
    """Two workers of a bot start at once: neither may die creating tables."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    errors = context.Queue()

    def start_worker(barrier, url):
        try:
            barrier.wait()
            SQLLockStore(url=url)
            WindowedSQLTrackerStore(DOMAIN, host=url, key=KEY)
        except Exception as exc:  # reported to the parent
            errors.put(repr(exc))

    for attempt in range(3):
        url = f"sqlite:///{tmp_path / f'fresh-{attempt}.db'}"
        barrier = context.Barrier(4)
        workers = [context.Process(target=start_worker, args=(barrier, url)) for _ in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(60)
        assert errors.empty(), errors.get()
        assert all(w.exitcode == 0 for w in workers)
