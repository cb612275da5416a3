"""The bots wait for an action server that is restarting instead of failing at once.

When the action server dies, the supervisor (studybots.ops.restart; in a
cluster, Kubernetes) has it back within seconds. Rasa calls it once: a
refused connection fails the message ("Pahoittelut, jokin meni vikaan…"),
so every student who writes during those seconds gets "try again". Here a
call to the action server whose connection is refused (or cannot be made)
is tried again every half second for up to STUDYBOTS_ACTION_RETRY_SECONDS
(default 10): those students get their answer a few seconds late instead.

Connection failures are retried: a refused connection, and a pooled
keep-alive connection to the dead server that breaks while the request is
written or before an answer comes ("Can not write request body",
"Connection reset by peer", "Server disconnected"). An action may then run
twice; that is safe because the actions only read (the catalogue, the
service database) and return events: nothing is written by the action
server. A timeout or an error status is not retried: the server is alive
and a second call would only add load. The retry window
stays below the conversation lock's lifetime (TICKET_LOCK_LIFETIME, 15 s),
so a waiting message keeps its conversation's lock. Installed by
studybots.bot.server before Rasa starts.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any

logger = logging.getLogger(__name__)

DEFAULT_SECONDS = 10.0
PAUSE = 0.5
_installed = False


def retry_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get("STUDYBOTS_ACTION_RETRY_SECONDS", DEFAULT_SECONDS)))
    except ValueError:
        return DEFAULT_SECONDS


def install() -> None:
    global _installed
    if _installed:
        return
    import aiohttp
    from rasa.core.actions.action import RemoteAction

    class RetryingEndpoint:
        """The action endpoint, with `request` retried while it cannot connect."""

        def __init__(self, endpoint: Any) -> None:
            self._endpoint = endpoint

        def __getattr__(self, name: str) -> Any:
            return getattr(self._endpoint, name)

        async def request(self, *args: Any, **kwargs: Any) -> Any:
            deadline = time.monotonic() + retry_seconds()
            waited = False
            while True:
                try:
                    result = await self._endpoint.request(*args, **kwargs)
                    if waited:
                        logger.info("action server answers again")
                    return result
                except aiohttp.ClientConnectionError as exc:
                    if isinstance(exc, asyncio.TimeoutError):  # ServerTimeoutError: alive, slow
                        raise
                    if time.monotonic() + PAUSE > deadline:
                        raise
                    if not waited:
                        logger.warning("action server not reachable; trying again")
                        waited = True
                    await asyncio.sleep(PAUSE)

    original_init = RemoteAction.__init__

    def __init__(self: Any, name: str, action_endpoint: Any) -> None:
        original_init(self, name, action_endpoint)
        if action_endpoint is not None:
            self.action_endpoint = RetryingEndpoint(action_endpoint)

    RemoteAction.__init__ = __init__
    _installed = True
