"""`make bench-soak`: a steady 10 messages per second for 30 minutes.

A benchmark, not a test: it prints the resident memory of every process of
the running system (started and watched by the supervisor of `make run`)
once a minute, its growth from the end of the warm-up to the end, the
failed requests, and every error line the processes wrote to their logs
(the lines `make run` would show on the console: studybots.ops.log_follow).

Target: memory growth <= 5 % after the warm-up, no failed request, no error line.

    python scripts/bench_soak.py [--minutes 30] [--rate 10] [--students 40]
                                 [--profile embedded|production]

The same script with `--minutes 1 --students 50 --rate 25` is the short
check that 50 students for 60 s leave no error line in the logs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("STUDYBOTS_RATE_LIMIT_SENDER", "1000000")
os.environ.setdefault("STUDYBOTS_RATE_LIMIT_IP", "1000000")

from studybots.core.names import BOTS
from studybots.core.settings import load_settings
from studybots.ops import supervisor
from studybots.ops.log_follow import LogFollower
from studybots.ops.restart import Supervisor
from studybots.ops.supervisor import Server

CONVERSATIONS = {
    "tero": ["moi", "mikä on kela", "mistä saan verokortin", "mitä föli tarkoittaa", "kiitos"],
    "paavo": ["hei", "tarvitsen asunnon", "missä voi uida", "kirjastokortti", "kiitos"],
}
STUDENTS = 40  # conversations going on at once (--students); a new sender after 5 messages


def rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants (Sanic workers)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def memory(specs: list[Server]) -> dict[str, int]:
    return {s.name: rss_kb(s.process.pid) for s in specs if s.process is not None}


async def steady(
    ports: dict[str, int],
    rate: float,
    seconds: float,
    outcome: Counter[str],
    students: int = STUDENTS,
) -> None:
    """Open loop: a message every 1/rate s whatever the replies take, from
    `students` conversations in turn."""
    bots = list(ports)
    counter = itertools.count()
    tasks: set[asyncio.Task] = set()

    async def one(session: aiohttp.ClientSession, n: int) -> None:
        student = n % students
        bot = bots[student % len(bots)]
        turn = n // students
        text = CONVERSATIONS[bot][turn % len(CONVERSATIONS[bot])]
        payload = {"sender": f"soak-{student}-{turn // 5}", "message": text}
        try:
            async with session.post(
                f"http://127.0.0.1:{ports[bot]}/webhooks/rest/webhook", json=payload
            ) as resp:
                body = await resp.json(content_type=None)
                outcome["ok" if resp.status == 200 and body else f"HTTP {resp.status}"] += 1
        except Exception as exc:
            outcome[type(exc).__name__] += 1

    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            n = next(counter)
            task = asyncio.create_task(one(session, n))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            await asyncio.sleep(max(0.0, started + (n + 1) / rate - time.monotonic()))
        await asyncio.gather(*tasks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, default=10, help="messages per second")
    parser.add_argument("--warm-up", type=float, default=3, help="minutes before the baseline")
    parser.add_argument(
        "--students", type=int, default=STUDENTS, help="conversations going on at once"
    )
    parser.add_argument("--profile", choices=("embedded", "production"), default="embedded")
    args = parser.parse_args(argv)
    from tests.support import workspace

    warm_up = min(args.warm_up, args.minutes / 3)
    print(
        f"Soak, {args.profile}: {args.rate:g} messages/s from {args.students} students "
        f"for {args.minutes:g} min "
        f"(memory baseline after {warm_up:g} min)",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        ws = workspace.create(Path(tmp), load_settings().models_dir, model_pull_seconds=10)
        if args.profile == "production":
            ws = stack.enter_context(workspace.production(ws))
        logs = Path(tmp) / "logs"
        logs.mkdir()
        specs = supervisor.server_specs(
            ws.settings, models_dir=ws.settings.models_dir, with_web=True, log_dir=logs
        )
        restarts: list[str] = []

        def said(line: str) -> None:
            restarts.append(line)
            print(f"  [supervisor] {line}", flush=True)

        sup = Supervisor(specs, out=said)
        sup.start()
        sup.run_in_background()
        stack.callback(sup.stop)
        follower = LogFollower({s.name: s.log for s in specs if s.log})
        ports = {bot: supervisor.bot_port(ws.settings, bot) for bot in BOTS}
        outcome: Counter[str] = Counter()
        errors: list[str] = []
        samples: list[tuple[float, dict[str, int]]] = []

        async def run() -> None:
            load = asyncio.create_task(
                steady(ports, args.rate, args.minutes * 60, outcome, args.students)
            )
            started = time.monotonic()
            while not load.done():
                await asyncio.sleep(min(60.0, args.minutes * 60 / 10))
                errors.extend(follower.errors())
                minute = (time.monotonic() - started) / 60
                samples.append((minute, memory(specs)))
                total = sum(samples[-1][1].values()) / 1024
                print(
                    f"  {minute:5.1f} min: {sum(outcome.values())} sent, "
                    f"{sum(v for k, v in outcome.items() if k != 'ok')} failed, "
                    f"memory {total:.0f} MB",
                    flush=True,
                )
            await load

        asyncio.run(run())
        errors.extend(follower.errors())
    baseline = next((m for t, m in samples if t >= warm_up), samples[0][1])
    final = samples[-1][1]
    print("  resident memory after the warm-up -> at the end:")
    for name in final:
        before, after = baseline.get(name, 0), final[name]
        growth = (after - before) / before * 100 if before else 0.0
        print(f"    {name}: {before / 1024:.0f} -> {after / 1024:.0f} MB ({growth:+.1f} %)")
    total_before, total_after = sum(baseline.values()), sum(final.values())
    growth = (total_after - total_before) / total_before * 100
    failed = {k: v for k, v in outcome.items() if k != "ok"}
    sent = sum(outcome.values())
    print(
        f"  together: {total_before / 1024:.0f} -> {total_after / 1024:.0f} MB "
        f"({growth:+.1f} %, target <= 5 %)"
    )
    print(f"  {sent} messages ({sent / (args.minutes * 60):.1f}/s), failed: {failed or 0}")
    print(f"  error lines in the logs: {len(errors)} (target 0); restarts: {len(restarts)}")
    for line in errors[:20]:
        print(f"    {line}")
    return 0 if growth <= 5 and not failed and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
