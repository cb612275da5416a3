"""A SQL tracker store that keeps no register of people and whose cost per
message does not grow with the conversation.

Privacy: events are stored under a keyed pseudonym of the sender id (the raw
id is never written), and every event as studybots.privacy.at_rest makes it:
every text, slot value and entity scrubbed, metadata allow-listed. Rasa still
sees the raw text of the current message in memory; only what is written to
the database is scrubbed.

Rasa's SQLTrackerStore loads every event of the current session on each
message, and the policies and the action call then walk all of them: a chat
that goes on for days gets slower with every message. This store keeps every
event in SQL (nothing is lost) but loads only the last `window` events of the
session, plus the latest value of every slot and the active form set before
that window, so a long conversation is as fast as a new one.

Configure in endpoints.yml:
    tracker_store:
      type: studybots.bot.tracker_store.WindowedSQLTrackerStore
      url: ${STUDYBOTS_TRACKER_URL}     # any SQLAlchemy URL; SQLite by default
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from studybots.core import db
from studybots.core.settings import load_settings
from studybots.privacy import at_rest
from studybots.privacy.pseudonyms import load_key

DEFAULT_WINDOW = 20  # events: the last 4-5 turns; the rules look at the last one
_LOADED = "_studybots_events_in_store"
# Rasa indexes events by sender only, so finding the session start and the
# latest events scans the sender's whole history. These two indexes make both
# lookups independent of the conversation's length.
INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_events_sender_id_id ON events (sender_id, id)",
    "CREATE INDEX IF NOT EXISTS ix_events_sender_type_time "
    "ON events (sender_id, type_name, timestamp)",
)


class WindowedSQLTrackerStore(SQLTrackerStore):  # type: ignore[misc]  # Rasa is untyped
    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        window: int | str = DEFAULT_WINDOW,
        event_broker: Any = None,
        key: bytes | None = None,
        **kwargs: Any,
    ) -> None:
        # Rasa hands the endpoint's `url` to custom tracker stores as `host`.
        url = kwargs.pop("url", None) or host or "sqlite:///rasa.db"
        db.ensure_parent(url)
        parsed = sa.engine.make_url(url)
        # Rasa's SQLTrackerStore creates its tables unlocked when it starts, so
        # workers and replicas that start together race (PostgreSQL logs
        # UniqueViolation, SQLite "Could not create tables"). The project's
        # engine creates them first, one process at a time (db.create_tables),
        # with the indexes below; Rasa then finds everything there.
        engine = db.engine(url)
        db.create_tables(engine, SQLTrackerStore.Base.metadata, INDEXES)
        super().__init__(
            domain=domain,
            dialect=parsed.drivername,
            host=parsed.host,
            port=parsed.port,
            db=parsed.database or "",
            username=parsed.username,
            password=parsed.password,
            event_broker=event_broker,
            query=dict(parsed.query) or None,
            **kwargs,
        )
        self.window = int(window)
        self.key = key or load_key(load_settings().var_dir / "log.key")
        # Rasa's own engine opens a new SQLite connection per session and, on
        # PostgreSQL, hands dead pooled connections (after a server restart or
        # an idle timeout) to the next message, which then falls back to an
        # empty in-memory conversation. The project's engine pools and checks.
        self.engine.dispose()
        self.engine: sa.engine.Engine = engine
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            session_events = self._event_query(session, sender_id, False)
            recent = (
                session_events.order_by(None)
                .order_by(self.SQLEvent.id.desc())
                .limit(self.window)
                .all()
            )
            if not recent or not self.domain:
                return None
            recent.reverse()
            # State set before the window is carried over: the latest value of
            # each slot and the latest active loop (form).
            earlier_state: dict[tuple[str, str], Any] = {}
            if len(recent) == self.window:
                for row in session_events.filter(
                    self.SQLEvent.type_name.in_(("slot", "active_loop")),
                    self.SQLEvent.id < recent[0].id,
                ):
                    earlier_state[(row.type_name, json.loads(row.data).get("name"))] = row
            rows = sorted(earlier_state.values(), key=lambda r: r.id) + recent
            events = [json.loads(row.data) for row in rows]
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        setattr(tracker, _LOADED, len(tracker.events))
        return tracker

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        """Publish the new events to the event broker (the question log).
        Rasa's default loads the tracker again to find them; we know them."""
        stored = getattr(tracker, _LOADED, None)
        if self.event_broker is None or stored is None:
            await super().stream_events(tracker)
            return
        await self._stream_new_events(
            self.event_broker, list(tracker.events)[stored:], tracker.sender_id
        )

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Any]:
        stored = getattr(tracker, _LOADED, None)
        if stored is None:  # a tracker this store did not load: Rasa's own rule
            rasa_rule: Iterator[Any] = super()._additional_events(session, tracker)
            return rasa_rule
        return itertools.islice(tracker.events, stored, len(tracker.events))

    def stored_id(self, sender_id: str) -> str:
        """The key under which a conversation is stored: never the sender id."""
        return at_rest.tracker_key(sender_id, self.key)

    def _event_query(
        self, session: Any, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> Any:
        return super()._event_query(
            session, self.stored_id(sender_id), fetch_events_from_all_sessions
        )

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        stored_id = self.stored_id(tracker.sender_id)
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = at_rest.event(event.as_dict())
                session.add(
                    self.SQLEvent(
                        sender_id=stored_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=(data.get("parse_data") or {})
                        .get("intent", {})
                        .get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
        setattr(tracker, _LOADED, len(tracker.events))


def delete_events_older_than(url: str, days: int) -> int:
    """Retention for conversations: delete stored events older than `days`."""
    import time as _time

    engine = db.engine(url)
    try:
        with engine.begin() as connection:
            if not sa.inspect(connection).has_table("events"):
                return 0
            deleted: int = connection.execute(
                sa.text("DELETE FROM events WHERE timestamp < :cutoff"),
                {"cutoff": _time.time() - days * 86400},
            ).rowcount
            return deleted
    finally:
        engine.dispose()
