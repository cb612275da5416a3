"""Errors from the servers' log files, for the console.

`make run` sends every server's output (Rasa's logs, progress bars, warnings)
to its file under var/logs/; the console gets only the lines that report an
error, each with the server's name, so nothing that needs attention is hidden.
"""

from __future__ import annotations

import re
from pathlib import Path

ERROR_LINE = re.compile(
    r"\b(ERROR|CRITICAL|FATAL)\b|^Traceback \(most recent call last\)"
    # A bot's main process replacing a Sanic worker that died (studybots.bot.workers).
    r"|\bworker \d+ (stopped \(code -?\d+\); restarting|is back)"
)


class LogFollower:
    def __init__(self, logs: dict[str, Path]) -> None:
        # Start at the end: what earlier runs wrote is not news.
        self._logs = logs
        self._offsets = {name: _size(path) for name, path in logs.items()}

    def errors(self) -> list[str]:
        """The error lines written since the last call, as `name: line`."""
        found = []
        for name, path in self._logs.items():
            offset = self._offsets[name]
            try:
                with open(path, "rb") as fh:
                    fh.seek(offset)
                    chunk = fh.read()
            except FileNotFoundError:
                continue
            complete = chunk.rfind(b"\n") + 1  # a line still being written waits
            self._offsets[name] = offset + complete
            for line in chunk[:complete].decode("utf-8", "replace").splitlines():
                if ERROR_LINE.search(line):
                    found.append(f"{name}: {line.strip()} (more in {path})")
        return found


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
