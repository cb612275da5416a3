"""`make bench-chaos`: faults under load, through the real supervisor.

50 students (half Tero, half Paavo) chat for at least 120 s while, in turn,

* a Tero process is killed with SIGKILL: in the embedded profile one of its
  two Sanic workers, in the production profile one of its two replicas
  behind nginx;
* the action server is killed with SIGKILL;
* every PostgreSQL connection of the system is cut (production:
  pg_terminate_backend);
* RabbitMQ is unreachable for 20 s (production: the bots and the log
  consumer reach it through a TCP proxy that is dropped and restored).

The system is started and watched by studybots.ops.restart.Supervisor, the
one `make run` uses. Printed per fault: the requests that failed (of those
sent while the fault lasted and until the next one), the time until every
process was back, and whether every message the students sent has its
question-log row: each message carries a unique token, and the rows are
counted in the question-log database (nothing lost, nothing doubled).

Target: only requests in flight at the moment of a kill fail; the log is complete.

    python scripts/bench_chaos.py [--profile embedded|production|both] [--users 50] [--seconds 120]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("STUDYBOTS_RATE_LIMIT_SENDER", "1000000")
os.environ.setdefault("STUDYBOTS_RATE_LIMIT_IP", "1000000")

from studybots.core.names import BOTS
from studybots.core.settings import load_settings
from studybots.ops import supervisor
from studybots.ops.restart import Supervisor
from studybots.questionlog.model import make_log_engine, message_log

CONVERSATIONS = {
    "tero": ["moi", "mikä on kela", "mistä saan verokortin", "mitä föli tarkoittaa"],
    "paavo": ["hei", "tarvitsen asunnon", "missä voi uida", "kirjastokortti"],
}
TRY_AGAIN = ("Yritä hetken päästä uudelleen", "jokin meni vikaan")
TOKEN = re.compile(r"zq[a-p]+")
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def token_of(run: str, n: int) -> str:
    """A lowercase word unique to one message (no digits: the scrubber keeps it)."""
    letters = "".join("abcdefghijklmnop"[int(d, 16)] for d in f"{n:06x}")
    return f"zq{run}{letters}"


@dataclass
class Request:
    token: str
    started: float
    ended: float = 0.0
    ok: bool = False
    error: str = ""
    detail: str = ""  # the start of an error answer's body: who refused, and why


@dataclass
class Fault:
    name: str
    started: float = 0.0
    back: float | None = None  # seconds until every process answered again
    gone: float | None = None  # a killed process: when it was gone (a kill takes a moment)
    note: str = ""


@dataclass
class Students:
    """`users` students over the bots of `ports`, each message with its token."""

    ports: dict[str, int]
    users: int
    run: str
    requests: list[Request] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _counter: itertools.count = field(default_factory=itertools.count)

    async def _student(self, n: int, session: aiohttp.ClientSession) -> None:
        bot = list(self.ports)[n % len(self.ports)]
        url = f"http://127.0.0.1:{self.ports[bot]}/webhooks/rest/webhook"
        for conversation in itertools.count():
            for text in CONVERSATIONS[bot]:
                if self._stop.is_set():
                    return
                request = Request(token_of(self.run, next(self._counter)), time.monotonic())
                self.requests.append(request)
                payload = {
                    "sender": f"chaos-{self.run}-{n}-{conversation}",
                    "message": f"{text} {request.token}",
                }
                try:
                    async with session.post(url, json=payload) as resp:
                        raw, status = await resp.read(), resp.status
                    body = json.loads(raw) if status == 200 else None
                    replies = " ".join(m.get("text") or "" for m in body or [])
                    request.ok = bool(body)
                    if not request.ok:
                        request.error = f"HTTP {status}"
                        request.detail = raw[:160].decode("utf-8", "replace")
                    elif any(phrase in replies for phrase in TRY_AGAIN):
                        request.ok, request.error = False, "try again"
                except Exception as exc:  # refused, reset, timed out
                    request.error = type(exc).__name__
                request.ended = time.monotonic()
                await asyncio.sleep(random.uniform(0.2, 0.6))  # a student reads the reply

    async def _main(self) -> None:
        timeout = aiohttp.ClientTimeout(total=60)
        # A new connection per message: no keep-alive connection that the server
        # closes just as the client reuses it (a client artefact, not a fault).
        connector = aiohttp.TCPConnector(limit=self.users, force_close=True)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            await asyncio.gather(*(self._student(n, session) for n in range(self.users)))

    def __enter__(self) -> Students:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=90)


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting for its parent)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def kill(pid: int, fault: Fault) -> None:
    """SIGKILL `pid`; the fault starts at the signal and the process is gone
    (its sockets closed) when it no longer runs."""
    fault.started = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    while alive(pid) and time.monotonic() - fault.started < 10:
        time.sleep(0.001)
    fault.gone = time.monotonic()


def kill_worker(sup: Supervisor, fault: Fault) -> None:
    """Embedded: SIGKILL to one of Tero's Sanic workers; back when its
    replacement says it answers (studybots.bot.workers)."""
    tero = sup.find("tero")
    log = tero.log
    assert log is not None and tero.process is not None
    offset = log.stat().st_size
    victim = children(tero.process.pid)[0]
    kill(victim, fault)
    if wait_until(lambda: b" is back " in log.read_bytes()[offset:], 180):
        fault.back = time.monotonic() - fault.started
    fault.note = f"worker {victim} of tero"


def kill_server(sup: Supervisor, name: str, fault: Fault) -> None:
    server = sup.find(name)
    assert server.process is not None
    pid = server.process.pid
    kill(pid, fault)
    replaced = wait_until(lambda: server.process is not None and server.process.pid != pid, 120)
    if replaced and sup.wait_all_healthy(180):
        fault.back = time.monotonic() - fault.started


def cut_postgres(sup: Supervisor, databases: list[str], fault: Fault) -> None:
    engine = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", future=True)
    fault.started = time.monotonic()
    with engine.connect() as c:
        cut = c.execute(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = ANY(:names) AND pid <> pg_backend_pid()"
            ),
            {"names": databases},
        ).scalar()
    engine.dispose()
    fault.note = f"{cut} connections cut"
    time.sleep(1)
    if sup.wait_all_healthy(120):
        fault.back = time.monotonic() - fault.started


def rabbit_away(sup: Supervisor, proxy, seconds: float, fault: Fault) -> None:
    fault.started = time.monotonic()
    proxy.stop()
    time.sleep(seconds)
    proxy.start()
    fault.note = f"unreachable {seconds:.0f} s"
    if sup.wait_all_healthy(120):
        fault.back = time.monotonic() - fault.started


def logged_tokens(url: str, run: str) -> Counter[str]:
    engine = make_log_engine(url)
    try:
        with engine.connect() as c:
            texts = c.execute(
                sa.select(message_log.c.text).where(message_log.c.text.like(f"%zq{run}%"))
            ).scalars()
            return Counter(t for text in texts for t in TOKEN.findall(text))
    except sa.exc.SQLAlchemyError:
        return Counter()
    finally:
        engine.dispose()


def logged_rows(url: str, token: str) -> list[str]:
    """The question-log rows of one message, for a doubled one: who wrote what when."""
    engine = make_log_engine(url)
    c = message_log.c
    try:
        with engine.connect() as connection:
            return [
                f"{r.time:%H:%M:%S.%f} {r.bot} {r.channel} conversation {r.conversation[:8]} "
                f"event {r.event_id[:8]} {r.outcome} {r.intent}"
                for r in connection.execute(
                    sa.select(message_log).where(c.text.like(f"%{token}%")).order_by(c.id)
                )
            ]
    except sa.exc.SQLAlchemyError as exc:
        return [f"(not read: {type(exc).__name__})"]
    finally:
        engine.dispose()


def report(
    profile: str,
    faults: list[Fault],
    requests: list[Request],
    rows: Counter[str],
    out: Callable[[str], None],
) -> bool:
    """Per fault: failures, time back, log completeness. True if the targets hold."""
    ends = [f.started for f in faults[1:]] + [float("inf")]
    windows = [("before the faults", 0.0, faults[0].started)] + [
        (f.name, f.started, end) for f, end in zip(faults, ends)
    ]
    good = True
    for fault_index, (name, start, end) in enumerate(windows):
        # By the time a request ended: one in flight when a fault began and
        # failed by it counts for that fault, not for the window before.
        sent = [r for r in requests if r.ended and start <= r.ended < end]
        failed = [r for r in sent if not r.ok]
        answered = [r for r in sent if r.ok]
        missing = sum(1 for r in answered if rows[r.token] == 0)
        doubled = sum(1 for r in sent if rows[r.token] > 1)
        failed_logged = sum(1 for r in failed if rows[r.token])
        kinds = Counter(r.error for r in failed)
        line = f"  {name}: {len(failed)} of {len(sent)} requests failed"
        if kinds:
            line += " (" + ", ".join(f"{k} {v}" for k, v in kinds.most_common()) + ")"
        if fault_index:
            fault = faults[fault_index - 1]
            in_flight = sum(1 for r in requests if r.started < fault.started < (r.ended or 1e18))
            # In flight: sent before the killed process was gone.
            gone = fault.gone or fault.started
            failed_in_flight = sum(
                1 for r in failed if r.started < gone and r.ended > fault.started
            )
            line += f" ({in_flight} were in flight when it began"
            line += f", {failed_in_flight} of the failed ones)" if failed else ")"
            good = good and failed_in_flight == len(failed)
            line += "; every process back after " + (
                f"{fault.back:.0f} s" if fault.back is not None else "NEVER"
            )
            if fault.note:
                line += f" [{fault.note}]"
            good = good and fault.back is not None
        else:
            good = good and not failed  # nothing is down yet
        line += (
            f"; question log: {missing} answered messages without a row, "
            f"{doubled} with two or more"
            + (f", {failed_logged} of the failed ones logged" if failed else "")
        )
        out(line)
        for kind in kinds:
            first = next(r for r in failed if r.error == kind)
            if first.detail:
                out(
                    f"    first {kind} at {first.started - faults[0].started:+.1f} s: {first.detail!r}"
                )
        good = good and missing == 0 and doubled == 0
    unfinished = sum(1 for r in requests if not r.ended)
    if unfinished:
        out(f"  ({unfinished} requests still open when the load stopped: not counted)")
    return good


def run_profile(profile: str, users: int, seconds: float, out: Callable[[str], None]) -> bool:
    from tests.support import workspace
    from tests.support.tcp_proxy import TcpProxy

    models_dir = load_settings().models_dir
    run = "".join(random.choice("abcdefghijklmnop") for _ in range(4))
    shape = (
        "SQLite, 1 process x 2 workers per bot"
        if profile == "embedded"
        else "PostgreSQL + Redis + RabbitMQ, 2 replicas x 1 worker per bot behind nginx"
    )
    out(f"\nChaos, {profile} ({shape}): {users} students for at least {seconds:.0f} s")
    rabbit = TcpProxy(("127.0.0.1", 5672))
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        ws = workspace.create(Path(tmp), models_dir, model_pull_seconds=10)
        if profile == "production":
            rabbit.start()
            stack.callback(rabbit.stop)
            ws = stack.enter_context(
                workspace.production(ws, amqp=f"amqp://guest:guest@127.0.0.1:{rabbit.port}/")
            )
        settings = ws.settings
        logs = Path(tmp) / "logs"
        logs.mkdir()
        specs = supervisor.server_specs(
            settings, models_dir=settings.models_dir, with_web=True, log_dir=logs
        )
        started = time.monotonic()
        sup = Supervisor(specs, out=lambda line: out(f"    [supervisor] {line}"))
        sup.start()
        sup.run_in_background()
        stack.callback(sup.stop)
        out(f"  started in {time.monotonic() - started:.0f} s")
        ports = {bot: supervisor.bot_port(settings, bot) for bot in BOTS}
        faults: list[Fault] = []
        with Students(ports, users, run) as load:
            time.sleep(15)  # warm-up and the baseline
            if profile == "embedded":
                faults.append(Fault("a Tero worker killed (SIGKILL)"))
                kill_worker(sup, faults[-1])
            else:
                faults.append(Fault("a Tero replica killed (SIGKILL)"))
                kill_server(sup, "tero-1", faults[-1])
            time.sleep(10)
            faults.append(Fault("the action server killed (SIGKILL)"))
            kill_server(sup, "actions", faults[-1])
            time.sleep(10)
            if profile == "production":
                databases = [url.rsplit("/", 1)[1] for _, url in settings.trackers]
                databases.append(settings.log_url.rsplit("/", 1)[1])
                faults.append(Fault("PostgreSQL connections cut"))
                cut_postgres(sup, databases, faults[-1])
                time.sleep(10)
                faults.append(Fault("RabbitMQ unreachable"))
                rabbit_away(sup, rabbit, 20, faults[-1])
                time.sleep(10)
            while time.monotonic() - faults[0].started + 15 < seconds:
                time.sleep(1)
        duration = time.monotonic() - faults[0].started + 15
        requests = list(load.requests)
        answered = [r for r in requests if r.ok]
        # The rows arrive in the background (RabbitMQ, back-off after a fault).
        deadline = time.monotonic() + 120
        rows = logged_tokens(settings.log_url, run)
        while time.monotonic() < deadline and any(rows[r.token] == 0 for r in answered):
            time.sleep(2)
            rows = logged_tokens(settings.log_url, run)
        out(
            f"  {len(requests)} messages in {duration:.0f} s "
            f"({len(requests) / duration:.1f}/s), {len(answered)} answered"
        )
        good = report(profile, faults, requests, rows, out)
        for token in [r.token for r in requests if rows[r.token] > 1][:3]:
            out(f"    rows of a doubled message ({token}):")
            for line in logged_rows(settings.log_url, token):
                out(f"      {line}")
        errors = [
            line
            for spec in specs
            if spec.log
            for line in spec.log.read_text(errors="replace").splitlines()
            if "Traceback" in line or "UniqueViolation" in line or "Could not create" in line
        ]
        kept = load_settings().var_dir / "bench-chaos" / f"{profile}-{run}"
        shutil.copytree(logs, kept)
        nginx_log = settings.var_dir / "nginx" / "error.log"
        if nginx_log.exists():
            shutil.copy(nginx_log, kept / "nginx-error.log")
        for spool in Path(tmp).glob("**/logspool"):
            shutil.copytree(spool, kept / "logspool", dirs_exist_ok=True)
        out(f"  tracebacks in the logs: {len(errors)} (logs kept in {kept})")
        return good


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=("embedded", "production", "both"), default="both")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    args = parser.parse_args(argv)
    profiles = ("embedded", "production") if args.profile == "both" else (args.profile,)
    results = [
        run_profile(p, args.users, args.seconds, lambda s: print(s, flush=True)) for p in profiles
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
