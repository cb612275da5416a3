"""Publishing from the console: the operators' `python -m studybots.training.publish`
run in a process of its own, one job at a time, its plain Finnish lines kept
for the publishing page (publish_page.py).

The command is the same one `make publish` runs, so the console's publish
has the same stages, quality gate and hot swap. Its lines are already what
an editor can read (no Rasa logs: studybots/core/console.py); they are kept
in memory, the last `MAX_LINES`. Publishes of several console processes
still run one after the other: the command takes the models directory's
publishing lock.

Stages are read off the lines the command prints (`stages`), so the page can
say "Koulutetaan Tero" while the log below it shows the detail.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import json
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studybots.core.names import BOTS
from studybots.core.settings import PROJECT_ROOT

__all__ = ["ACTIONS", "Busy", "Job", "Publisher", "read_history", "read_verdicts", "stages"]

MAX_LINES = 400
# action -> the publish command's arguments.
ACTIONS: dict[str, tuple[str, ...]] = {
    "publish": (),
    "force": ("--force",),
    "rollback": ("--rollback",),
}
# The publish command's exit codes (studybots/training/publish.py).
EXIT_OK, EXIT_FAILED, EXIT_REFUSED = 0, 1, 2


class Busy(RuntimeError):
    """A publish of this console is already running."""


@dataclass
class Job:
    action: str
    account: str
    started: dt.datetime
    lines: list[str] = field(default_factory=list)
    returncode: int | None = None
    finished: dt.datetime | None = None

    @property
    def running(self) -> bool:
        return self.returncode is None

    @property
    def refused(self) -> bool:
        return self.returncode == EXIT_REFUSED

    @property
    def floor_refused(self) -> bool:
        """Refused because crisis recall fell under its floor: no force helps."""
        return self.refused and any("--force ei auta" in line for line in self.lines)


@dataclass(frozen=True)
class Stage:
    key: str  # a text key of texts.py: stage_<key>
    bot: str  # "" for the catalogue check
    state: str  # "done", "running", "failed" or "skipped"


def stages(job: Job) -> list[Stage]:
    """What the job has done so far, from the lines publish printed."""
    if job.action == "rollback":
        done = [
            b for b in BOTS if any(line.startswith(f"{b}: edellinen malli") for line in job.lines)
        ]
        state = "running" if job.running else ("failed" if job.returncode else "done")
        return [Stage("rollback", b, "done") for b in done] or [Stage("rollback_all", "", state)]
    found: list[Stage] = []
    checked = any(line.startswith("Luettelo kunnossa") for line in job.lines)
    if checked:
        found.append(Stage("check", "", "done"))
    elif not job.running:
        return [Stage("check", "", "failed" if job.returncode else "done")]
    else:
        return [Stage("check", "", "running")]
    for bot in BOTS:
        mine = [line for line in job.lines if line.startswith(f"{bot}: ")]
        if not mine:
            continue
        text = "\n".join(mine)
        if "ei koulutettavaa" in text:
            found.append(Stage("unchanged", bot, "skipped"))
            continue
        if "koulutus epäonnistui" in text:
            found.append(Stage("train", bot, "failed"))
            continue
        trained = "koulutettu" in text or "arvioidaan" in text
        found.append(Stage("train", bot, "done" if trained else "running"))
        if not trained:
            continue
        if "EI JULKAISTU" in text:
            found.append(Stage("gate", bot, "failed"))
        elif "julkaistu" in text:
            found.append(Stage("gate", bot, "done"))
            found.append(Stage("install", bot, "done"))
        else:
            found.append(Stage("gate", bot, "running" if job.running else "failed"))
    return found


class Publisher:
    """At most one publish job at a time; the last one is kept for the page."""

    def __init__(
        self,
        environ: Mapping[str, str],
        cwd: Path = PROJECT_ROOT,
        on_finish: Callable[[Job], Awaitable[None]] | None = None,
    ) -> None:
        self.environ = dict(environ)
        self.cwd = cwd
        self.on_finish = on_finish
        self.job: Job | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    def start(self, action: str, account: str) -> Job:
        """Start `action` (ACTIONS) for `account`; Busy while a job runs.
        Call it on the event loop; the process runs in the background."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        if self.job is not None and self.job.running:
            raise Busy(self.job.action)
        job = Job(action, account, dt.datetime.now(dt.timezone.utc))
        self.job = job
        self._reader = asyncio.get_running_loop().create_task(self._run(job))
        return job

    async def _run(self, job: Job) -> None:
        command = [sys.executable, "-m", "studybots.training.publish", *ACTIONS[job.action]]
        try:
            self._process = await asyncio.create_subprocess_exec(
                *command,
                cwd=self.cwd,
                env=self.environ,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            assert self._process.stdout is not None
            async for raw in self._process.stdout:
                line = raw.decode("utf-8", "replace").rstrip()
                if line:
                    job.lines.append(line)
                    del job.lines[:-MAX_LINES]
            job.returncode = await self._process.wait()
        except OSError as exc:
            job.lines.append(f"Julkaisua ei voitu käynnistää: {exc}")
            job.returncode = EXIT_FAILED
        finally:
            if job.returncode is None:  # cancelled: the console is stopping
                job.returncode = EXIT_FAILED
            job.finished = dt.datetime.now(dt.timezone.utc)
            self._process = None
        if self.on_finish is not None:
            await self.on_finish(job)

    async def wait(self) -> None:
        """Until the current job has ended (tests; the console's shutdown)."""
        if self._reader is not None:
            await asyncio.shield(self._reader)

    async def close(self) -> None:
        """Stop a running job (the console is stopping); its publish, which
        replaces models atomically, leaves the running model in place."""
        if self._process is not None and self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._process.terminate()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


def read_verdicts(models_dir: Path) -> dict[str, dict[str, Any]]:
    """Each bot's latest quality-gate verdict (publish.write_verdict)."""
    try:
        verdicts = json.loads((models_dir / "last-verdicts.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return (
        {k: v for k, v in verdicts.items() if isinstance(v, dict)}
        if isinstance(verdicts, dict)
        else {}
    )


def read_history(models_dir: Path, limit: int = 20) -> list[dict[str, str]]:
    """The newest rows of models_dir/history.csv (publish.record), newest first."""
    try:
        with (models_dir / "history.csv").open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError:
        return []
    return rows[::-1][:limit]
