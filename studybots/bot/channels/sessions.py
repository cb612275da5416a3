"""Session ids of the Socket.IO channel: issued by the server, never chosen by a client.

The widget keeps its conversation going across page loads by presenting the
session id it was given. Whoever presents an id receives that conversation's
replies, so the id is a secret, and a client may not pick one: a second
socket that sent a guessed or copied-from-elsewhere id would read along.

An issued id is 128 random bits (the conversation) followed by a 128-bit
HMAC-SHA256 tag of them, 64 hex characters in all. Any worker and any replica
of the bot checks the tag without shared state; an id without a valid tag
(chosen by the client, altered, or from before this scheme) is refused and
the client gets a new one. The sender id the bot stores is the random part
only, so the conversation store holds nothing that could be presented as a
session id.

The tag key is derived from the pseudonym key (studybots.privacy.pseudonyms:
STUDYBOTS_LOG_KEY in production, else var/log.key), which every worker and
replica of a bot already shares; changing that key ends every session, as it
already unlinks every pseudonym.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from functools import lru_cache

__all__ = ["SessionIds", "default"]

_ISSUED = re.compile(r"^[0-9a-f]{64}$")
_LABEL = b"studybots socket.io session id v1"


class SessionIds:
    def __init__(self, key: bytes) -> None:
        if not key:
            raise ValueError("key must not be empty")
        self._key = hmac.new(bytes(key), _LABEL, hashlib.sha256).digest()

    def _tag(self, conversation: str) -> str:
        return hmac.new(self._key, conversation.encode("ascii"), hashlib.sha256).hexdigest()[:32]

    def issue(self) -> str:
        """A new session id: 128 random bits and their tag."""
        conversation = secrets.token_hex(16)
        return conversation + self._tag(conversation)

    def verify(self, session_id: object) -> str | None:
        """The conversation (sender id) of an issued session id, else None."""
        if not isinstance(session_id, str) or not _ISSUED.match(session_id):
            return None
        conversation, tag = session_id[:32], session_id[32:]
        return conversation if hmac.compare_digest(tag, self._tag(conversation)) else None


@lru_cache(maxsize=1)
def default() -> SessionIds:
    """Session ids under this installation's key (read once per process)."""
    from studybots.core.settings import load_settings
    from studybots.privacy.pseudonyms import load_key

    return SessionIds(load_key(load_settings().var_dir / "log.key"))
