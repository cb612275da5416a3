"""Keep the running system running: restart whatever dies, and stop only when asked.

`make run`, the end-to-end tests and the benchmarks start the system's
processes (studybots.ops.supervisor.server_specs) and hand them to a
`Supervisor`. It polls them; when one exits without being asked to, it

* says so in one line: `tero-1 stopped (code -9); restarting in 1 s (restart 1)`,
* kills whatever is left of the dead process's group (a Rasa process with
  several Sanic workers leaves its workers holding the port),
* starts it again with the same command, environment, log file and port
  (nginx and the bots know the ports), after a delay that doubles with each
  restart in a row (1 s, 2 s, 4 s, ... at most 60 s) and starts again at
  1 s once the process has stayed healthy for a while,
* says when it is back: `tero-1 is back (answered after 14 s)`,
* and when a process keeps dying (5 restarts within 10 minutes), says so
  clearly and retries it every 60 s, without giving up and without
  touching the rest.

The other processes keep running the whole time. Only `stop()` (Ctrl-C or
SIGTERM in `make run`) stops everything. Kubernetes does the same job in a
cluster (docs/runbook.md).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from studybots.ops import supervisor
from studybots.ops.supervisor import Server

FIRST_DELAY = 1.0  # seconds before the first restart of a process
MAX_DELAY = 60.0  # the longest wait between restarts
HEALTHY_RESET = 30.0  # healthy this long after a restart: the next delay is FIRST_DELAY again
KEEPS_DYING = 5  # this many restarts ...
KEEPS_DYING_WINDOW = 600.0  # ... within this many seconds: "keeps dying"
POLL = 0.5


@dataclass
class Policy:
    """When to restart: the delays, and what counts as a process that keeps dying."""

    first_delay: float = FIRST_DELAY
    max_delay: float = MAX_DELAY
    healthy_reset: float = HEALTHY_RESET
    keeps_dying: int = KEEPS_DYING
    keeps_dying_window: float = KEEPS_DYING_WINDOW

    def delay(self, in_a_row: int, keeps_dying: bool) -> float:
        """Seconds to wait before restart number `in_a_row` (1, 2, ...) of a streak."""
        if keeps_dying:
            return self.max_delay
        return min(self.max_delay, self.first_delay * 2 ** max(0, in_a_row - 1))


@dataclass
class Record:
    """What the supervisor knows about one process."""

    restarts: int = 0  # since the supervisor started
    in_a_row: int = 0  # restarts since the process last stayed healthy
    deaths: list[float] = field(default_factory=list)  # monotonic times of unexpected exits
    restart_at: float | None = None  # dead, to be started at this monotonic time
    started_at: float | None = None  # (re)started at, until it answers its health check
    healthy_since: float | None = None
    held: bool = False  # stopped on purpose (a test, an operator): not restarted
    warned: bool = False  # "keeps dying" has been said for the current streak
    back_after: list[float] = field(default_factory=list)  # seconds from exit to healthy


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Supervisor:
    def __init__(
        self,
        servers: list[Server],
        policy: Policy | None = None,
        out: Callable[[str], None] = _say,
        clock: Callable[[], float] = time.monotonic,
        poll: float = POLL,
    ) -> None:
        self.servers = servers
        self.policy = policy or Policy()
        self.out = out
        self.clock = clock
        self.poll = poll
        self.records = {s.name: Record() for s in servers}
        self._died_at: dict[str, float] = {}
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the whole system --------------------------------------------------------
    def start(self, timeout: float | None = None) -> None:
        """Start every process and wait until each is healthy (a first start that
        fails stops everything and raises: that is a configuration problem)."""
        supervisor.start(self.servers, timeout)
        now = self.clock()
        for record in self.records.values():
            record.healthy_since = now

    def request_stop(self) -> None:
        """Make `run()` return (safe in a signal handler); `stop()` then stops the processes."""
        self._stopping.set()

    def stop(self) -> None:
        """Stop watching, then stop every process (SIGTERM, then SIGKILL)."""
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        with self._lock:
            supervisor.stop(self.servers)

    def run(self, until: Callable[[], bool] | None = None) -> None:
        """Watch until `stop()` is called or `until()` is true."""
        while not self._stopping.is_set() and not (until and until()):
            self.check()
            self._stopping.wait(self.poll)

    def run_in_background(self) -> Supervisor:
        self._thread = threading.Thread(target=self.run, name="supervisor", daemon=True)
        self._thread.start()
        return self

    def __enter__(self) -> Supervisor:
        self.start()
        return self.run_in_background()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- one look at every process -------------------------------------------------
    def check(self) -> None:
        with self._lock:
            for server in self.servers:
                if not self._stopping.is_set():
                    self._check(server)

    def _check(self, server: Server) -> None:
        record = self.records[server.name]
        if record.held:
            return
        now = self.clock()
        process = server.process
        if record.restart_at is not None:
            if now >= record.restart_at:
                self._respawn(server, record, now)
            return
        if process is None:
            return
        code = process.poll()
        if code is not None:
            self._died(server, record, code, now)
            return
        if record.started_at is not None:  # restarted, not yet answering
            if supervisor._healthy(server):
                back = now - self._died_at.get(server.name, record.started_at)
                record.back_after.append(back)
                record.started_at = None
                record.healthy_since = now
                self.out(f"{server.name} is back (answered {back:.0f} s after it stopped)")
        elif (
            record.in_a_row
            and record.healthy_since is not None
            and now - record.healthy_since >= self.policy.healthy_reset
        ):
            record.in_a_row = 0  # it stayed up: the next failure starts a new streak
            record.warned = False

    def _died(self, server: Server, record: Record, code: int, now: float) -> None:
        _kill_group(server)  # what is left of it (Sanic workers) would hold the port
        window = self.policy.keeps_dying_window
        record.deaths = [t for t in record.deaths if now - t < window] + [now]
        record.in_a_row += 1
        record.restarts += 1
        record.started_at = None
        record.healthy_since = None
        self._died_at[server.name] = now
        keeps_dying = len(record.deaths) > self.policy.keeps_dying
        delay = self.policy.delay(record.in_a_row, keeps_dying)
        record.restart_at = now + delay
        self.out(
            f"{server.name} stopped (code {code}); restarting in {delay:g} s "
            f"(restart {record.restarts})"
        )
        if keeps_dying and not record.warned:
            record.warned = True
            minutes = max(1, round((now - record.deaths[0]) / 60))
            self.out(
                f"{server.name} keeps dying: {len(record.deaths)} restarts in {minutes} "
                f"minute{'s' if minutes != 1 else ''}; retrying every {self.policy.max_delay:g} s"
                + (f"; see {server.log}" if server.log else "")
            )

    def _respawn(self, server: Server, record: Record, now: float) -> None:
        record.restart_at = None
        try:
            server.process = supervisor._spawn(server)
        except OSError as exc:  # the command itself cannot start: try again later
            self.out(f"{server.name} could not be started ({exc}); trying again")
            record.restart_at = now + self.policy.delay(record.in_a_row + 1, True)
            return
        record.started_at = now

    # -- one process, on purpose ---------------------------------------------------
    def find(self, name: str) -> Server:
        return next(s for s in self.servers if s.name == name)

    def stop_one(self, name: str) -> None:
        """Stop one process on purpose; it stays stopped until `start_one`."""
        with self._lock:
            self.records[name].held = True
            self.records[name].restart_at = None
            supervisor.stop([self.find(name)])

    def start_one(self, name: str, timeout: float | None = None) -> None:
        """Start a process stopped with `stop_one` and wait until it is healthy."""
        server = self.find(name)
        with self._lock:
            supervisor.start([server], timeout)
            record = self.records[name]
            record.held, record.started_at = False, None
            record.healthy_since = self.clock()

    @contextmanager
    def stopped(self, name: str) -> Iterator[Server]:
        self.stop_one(name)
        try:
            yield self.find(name)
        finally:
            self.start_one(name)

    # -- for tests and benchmarks ----------------------------------------------------
    def all_healthy(self) -> bool:
        """Every process running, none waiting to be restarted, each answering."""
        with self._lock:
            return all(
                s.process is not None
                and s.process.poll() is None
                and self.records[s.name].restart_at is None
                and self.records[s.name].started_at is None
                for s in self.servers
            )

    def wait_all_healthy(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.all_healthy():
                return True
            time.sleep(0.1)
        return self.all_healthy()


def _kill_group(server: Server) -> None:
    if server.process is None:
        return
    try:
        os.killpg(server.process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
