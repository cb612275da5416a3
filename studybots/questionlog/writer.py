"""Write log rows in the background: never delay a reply, never lose a row.

`record()` only puts the row on a queue. A writer thread delivers rows in
batches to its sink (a database, or a RabbitMQ queue: `sinks.py`); when the
sink is unavailable it appends them to a spool file
(JSON lines) and retries with back-off until the database is back. Spooled
rows survive a restart: on start a writer adopts every spool file in its
folder. Each row has a unique `event_id`, so a batch that is retried after
a lost acknowledgement is not written twice.

A process can also be killed (SIGKILL, out of memory) with rows still on
its queue: their replies have gone out, so they must not be lost. `record()`
therefore also appends every row to the writer's journal file before it is
queued (one write() into the kernel's page cache, which outlives the
process), and the writer thread cuts the journal back to the rows not yet
delivered after every delivery. Each live writer holds a lock on its
journal; a writer starting later adopts the journals nobody holds, i.e.
those of dead processes, and delivers their rows (a row delivered before
the kill is not written twice: `event_id`).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import queue
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from studybots.privacy import at_rest
from studybots.questionlog.sinks import decode as _decode
from studybots.questionlog.sinks import encode as _encode
from studybots.questionlog.sinks import make_sink

logger = logging.getLogger(__name__)

BATCH = 500
MAX_BACKOFF = 30.0


class LogWriter:
    def __init__(self, url: str, spool_dir: Path, flush_interval: float = 0.5):
        self.url = url
        self.spool_dir = Path(spool_dir)
        # Spooled rows are personal data at rest (scrubbed, but still what
        # students wrote): the folder and its files are the owner's only.
        self.spool_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.spool_file = self.spool_dir / f"spool-{tag}.jsonl"
        self.journal_file = self.spool_dir / f"journal-{tag}.jsonl"
        self._journal_lock = threading.Lock()
        self._journal = os.open(self.journal_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        fcntl.flock(self._journal, fcntl.LOCK_EX | fcntl.LOCK_NB)  # ours while we live
        self.flush_interval = flush_interval
        self._queue: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        self._pending: list[dict[str, Any]] = []
        self._idle = threading.Event()
        self._stop = threading.Event()
        self.sink = make_sink(url)
        self._adopt_spools()
        self._thread = threading.Thread(target=self._run, name="log-writer", daemon=True)
        self._thread.start()

    # -- called from the bot's request path: must never block or raise ---------
    def record(self, row: dict[str, Any]) -> None:
        # The one scrubbing point: nothing reaches the queue, the spool file
        # or a sink before this.
        row = at_rest.log_row(row)
        row.setdefault("event_id", uuid.uuid4().hex)
        row.setdefault("time", dt.datetime.now(dt.timezone.utc))
        with self._journal_lock:
            try:
                os.write(self._journal, (_encode(row) + "\n").encode("utf-8"))
            except OSError as exc:  # disk full: the row still goes out from memory
                logger.warning("log journal not written (%s)", type(exc).__name__)
            self._idle.clear()
            self._queue.put(row)

    # -- housekeeping ----------------------------------------------------------
    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every recorded row is in the database (for tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._idle.is_set() and self._queue.empty():
                return True
            time.sleep(0.05)
        return False

    def close(self, timeout: float = 10.0) -> None:
        self.flush(timeout)
        self._stop.set()
        self._thread.join(timeout)
        with self._journal_lock:
            self._spool(self._drain())  # whatever could not be written stays on disk
            os.close(self._journal)
            self.journal_file.unlink(missing_ok=True)  # the spool file has its rows
        self.sink.close()

    @property
    def pending(self) -> int:
        return len(self._pending) + self._queue.qsize()

    # -- the writer thread -----------------------------------------------------
    def _adopt_spools(self) -> None:
        self._adopt_journals()
        for path in sorted(self.spool_dir.glob("spool-*.jsonl")):
            claimed = path.with_suffix(".adopting")
            try:
                os.rename(path, claimed)  # only one writer wins each file
            except OSError:
                continue
            for line in claimed.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    try:
                        self._pending.append(_decode(line))
                    except (ValueError, KeyError):
                        logger.error("log spool: skipped a malformed line in %s", path.name)
            self._spool(self._pending)
            claimed.unlink()

    def _adopt_journals(self) -> None:
        """The journals of writers that died: a journal nobody holds locked."""
        for path in sorted(self.spool_dir.glob("journal-*.jsonl")):
            if path == self.journal_file:
                continue
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                continue
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # its writer is alive
                with os.fdopen(os.dup(fd), encoding="utf-8") as handle:
                    lines = handle.read().splitlines()
                for line in lines:
                    if line.strip():
                        try:
                            self._pending.append(_decode(line))
                        except (ValueError, KeyError):
                            # The last line of a killed writer may be cut short.
                            logger.warning("log journal: skipped an incomplete line")
                path.unlink(missing_ok=True)
            finally:
                os.close(fd)
        if self._pending:
            self._rejournal()

    def _rejournal(self) -> None:
        """Make the journal hold exactly the rows not yet delivered (the
        journal lock is held, or no other thread runs yet)."""
        os.ftruncate(self._journal, 0)
        if self._pending:
            os.write(self._journal, "".join(_encode(r) + "\n" for r in self._pending).encode())

    def _spool(self, rows: list[dict[str, Any]]) -> None:
        """Make `rows` the content of this writer's spool file (atomic)."""
        if not rows:
            self.spool_file.unlink(missing_ok=True)
            return
        tmp = self.spool_file.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)  # an older file of another mode
            handle.write("".join(_encode(r) + "\n" for r in rows))
        os.replace(tmp, self.spool_file)

    def _drain(self) -> list[dict[str, Any]]:
        rows = self._pending
        while True:
            try:
                rows.append(self._queue.get_nowait())
            except queue.Empty:
                return rows

    def _run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            if not self._pending:
                try:
                    self._pending.append(self._queue.get(timeout=self.flush_interval))
                except queue.Empty:
                    self._idle.set()
                    continue
            self._drain()  # everything queued joins the pending rows, in order
            try:
                while self._pending:
                    self.sink.write(self._pending[:BATCH])
                    del self._pending[:BATCH]
                    with self._journal_lock:  # delivered: out of the journal
                        self._drain()
                        self._rejournal()
                self.spool_file.unlink(missing_ok=True)
                backoff = 0.5
                if self._queue.empty():
                    self._idle.set()
            except Exception as exc:  # database down, network error, ...
                logger.warning(
                    "log store unavailable (%s); %d rows kept for later",
                    type(exc).__name__,
                    len(self._pending),
                )
                self.sink.reset()
                self._spool(self._pending)
                self._stop.wait(backoff)
                backoff = min(MAX_BACKOFF, backoff * 2)
