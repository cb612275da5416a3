"""Every private Rasa name the project's extensions rely on, pinned (and the
few private names of python-socketio and aiohttp the channels and the
servers' headers use).

studybots.bot.extensions, studybots.privacy.log_filter, the tracker store and
the channels replace or override these. A Rasa upgrade that renames or
reshapes one must fail here, not silently lose the hot model swap, the log
privacy or the windowed conversation loading.
"""

from __future__ import annotations

import importlib
import inspect

import pytest
import rasa

# (module, attribute path, the parameters it must take, in order)
PINNED = [
    # Hot model swap: the pull loop calls these (studybots.bot.extensions).
    ("rasa.core.agent", "_update_model_from_server", ["model_server", "agent"]),
    (
        "rasa.core.agent",
        "_pull_model_and_fingerprint",
        ["model_server", "fingerprint", "model_directory"],
    ),
    ("rasa.core.agent", "Agent.load_model", ["self", "model_path", "fingerprint"]),
    ("rasa.nlu.utils", "is_url", ["resource_name"]),
    ("rasa.utils.common", "TempDirectoryPath", None),
    ("rasa.utils.common", "get_temp_dir_name", []),
    # The cached action-response validator.
    ("rasa.core.actions.action", "RemoteAction._validate_action_result", ["self", "result"]),
    ("rasa.core.actions.action", "RemoteAction.action_response_format_spec", []),
    # JSON log format right after Rasa's logging set-up; log privacy.
    ("rasa.__main__", "configure_logging_and_warnings", None),
    ("rasa.__main__", "configure_structlog", None),
    ("rasa.utils.log_utils", "configure_structlog", None),
    ("rasa.core.agent", "Agent.handle_message", ["self", "message"]),
    # Windowed, pseudonymous conversation loading (studybots.bot.tracker_store).
    (
        "rasa.core.tracker_store",
        "SQLTrackerStore._additional_events",
        ["self", "session", "tracker"],
    ),
    ("rasa.core.tracker_store", "SQLTrackerStore._event_query", ["self", "session", "sender_id"]),
    ("rasa.core.tracker_store", "SQLTrackerStore.stream_events", ["self", "tracker"]),
    # Lock tickets whose holder died (studybots.bot.lock_store.ExpiringTicketLock).
    ("rasa.core.lock", "TicketLock.is_locked", ["self", "ticket_number"]),
    ("rasa.core.lock", "Ticket.has_expired", ["self"]),
    ("rasa.core.lock_store", "LockStore._acquire_lock", ["self", "conversation_id", "ticket"]),
    # Socket.IO and Slack channels (studybots.bot.channels).
    (
        "rasa.core.channels.socketio",
        "SocketIOOutput._send_message",
        ["self", "socket_id", "response"],
    ),
    ("rasa.core.channels.slack", "SlackBot._post_message", ["self", "channel"]),
    # A reply with service cards stays one message (studybots.bot.channels.cards):
    # the channels override send_response and build the REST message Rasa's way.
    (
        "rasa.core.channels.channel",
        "OutputChannel.send_response",
        ["self", "recipient_id", "message"],
    ),
    (
        "rasa.core.channels.channel",
        "CollectingOutputChannel._message",
        ["recipient_id", "text", "image", "buttons", "attachment", "custom"],
    ),
    ("rasa.core.channels.channel", "CollectingOutputChannel._persist_message", ["self", "message"]),
    # The Socket.IO channel's answer to a packet it cannot read, and its rooms.
    (
        "socketio.async_server",
        "AsyncServer._handle_eio_message",
        ["self", "eio_sid", "data"],
    ),
    ("socketio.base_manager", "BaseManager.get_participants", ["self", "namespace", "room"]),
    ("socketio.base_manager", "BaseManager.sid_from_eio_sid", ["self", "eio_sid", "namespace"]),
    # Headers on aiohttp's own error pages (studybots.ops.http_headers).
    (
        "aiohttp.web_app",
        "Application._make_request",
        ["self", "message", "payload", "protocol", "writer", "task", "_cls"],
    ),
    ("aiohttp.web_request", "Request._prepare_hook", ["self", "response"]),
]


def _resolve(module: str, path: str) -> object:
    target: object = importlib.import_module(module)
    for part in path.split("."):
        target = getattr(target, part)
    return target


def test_the_pinned_rasa_version():
    assert rasa.__version__ == "3.6.21", "re-check every name in this file, then update it"


@pytest.mark.parametrize(("module", "path", "parameters"), PINNED, ids=[p[1] for p in PINNED])
def test_private_rasa_name_exists_with_its_parameters(module, path, parameters):
    target = _resolve(module, path)
    if parameters is None:
        assert callable(target)
        return
    names = list(inspect.signature(target).parameters)
    assert names[: len(parameters)] == parameters, names


def test_the_extensions_install_and_replace_what_they_pin():
    import rasa.__main__ as rasa_main
    from rasa.core import agent
    from rasa.core.actions.action import RemoteAction

    from studybots.bot import extensions

    extensions.install()
    installed = (
        agent._update_model_from_server,
        RemoteAction._validate_action_result,
        rasa_main.configure_logging_and_warnings,
    )
    assert all(f.__module__ == "studybots.bot.extensions" for f in installed)
