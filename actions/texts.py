"""User-facing texts of the actions, per language, from texts.<lang>.yml.

Texts that depend on the life event (what to ask instead, the data
attribution) come from the catalogue's catalogue.yml (`texts:`,
`attribution`) when it has them, so another life event needs no code change.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from functools import cache, wraps
from pathlib import Path
from typing import Any, TypeVar

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import state
from studybots.catalogue import meta
from studybots.core.language import Detection, choose

DEFAULT_LANGUAGE = "fi"
_DIR = Path(__file__).resolve().parent


@cache
def _texts(language: str) -> dict[str, str]:
    path = _DIR / f"texts.{language}.yml"
    if not path.exists():
        path = _DIR / f"texts.{DEFAULT_LANGUAGE}.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# The reply language of the action being run (set by `use_language`; each
# action runs in its own task, so conversations do not see each other's).
_reply_language: ContextVar[str | None] = ContextVar("reply_language", default=None)


def reply_language(tracker: Tracker) -> str:
    """The student's language: their widget choice, a message clearly in
    another language, the conversation's language (slot), a first guess, or
    the catalogue's own language (studybots.core.language.choose)."""
    catalogue = state.catalogue()
    info = (tracker.latest_message or {}).get("language") or {}
    detection = Detection(info.get("detected"), float(info.get("confidence") or 0.0))
    return choose(
        detection,
        tracker.get_slot("language"),
        catalogue.language,
        info.get("requested"),
        catalogue.languages,
    )


def use_language(tracker: Tracker) -> str:
    """Answer this action in the student's language; returns it."""
    lang = reply_language(tracker)
    _reply_language.set(lang)
    return lang


def current_language() -> str:
    return _reply_language.get() or state.catalogue().language


def tag_language(messages: list[dict[str, Any]], language: str) -> None:
    """Name each message's language in its metadata (`metadata.language`),
    so that the channels can mark it (the widget's `lang` attribute). A
    domain response (`response=`) is left alone: its variation names its own."""
    for message in messages:
        if message.get("response"):
            continue
        metadata = dict(message.get("metadata") or {})
        metadata.setdefault("language", language)
        message["metadata"] = metadata


A = TypeVar("A", bound=Action)
Run = Callable[[A, CollectingDispatcher, Tracker, dict[str, Any]], Awaitable[list[dict[str, Any]]]]


def in_student_language(run: Run[A]) -> Run[A]:
    """An action's `run` that answers in the student's language
    (`use_language`) and tags every message it sends with it."""

    @wraps(run)
    async def wrapper(
        self: A, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        use_language(tracker)
        events = await run(self, dispatcher, tracker, domain)
        tag_language(dispatcher.messages, current_language())
        return events

    return wrapper


def text(key: str, language: str | None = None, **values: str) -> str:
    catalogue = state.catalogue()
    language = language or current_language()
    own = meta.action_texts(catalogue.meta, language) if language in catalogue.languages else {}
    return (own.get(key) or _texts(language)[key]).format(**values)


def feedback_buttons(language: str | None = None) -> list[dict[str, str]]:
    """👍/👎 under every answer; a 👎 puts the question in the editors' review inbox."""
    return [
        {"title": text("feedback_up", language), "payload": "/feedback_up"},
        {"title": text("feedback_down", language), "payload": "/feedback_down"},
    ]
