"""User-facing texts of the actions, per language, from texts.<lang>.yml.

Texts that depend on the life event (what to ask instead, the data
attribution) come from the catalogue's catalogue.yml (`texts:`,
`attribution`) when it has them, so another life event needs no code change.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from actions import state
from studybots.catalogue import meta

DEFAULT_LANGUAGE = "fi"
_DIR = Path(__file__).resolve().parent


@cache
def _texts(language: str) -> dict[str, str]:
    path = _DIR / f"texts.{language}.yml"
    if not path.exists():
        path = _DIR / f"texts.{DEFAULT_LANGUAGE}.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def text(key: str, language: str = DEFAULT_LANGUAGE, **values: str) -> str:
    catalogue = state.catalogue()
    own = meta.action_texts(catalogue.meta) if language == catalogue.language else {}
    return (own.get(key) or _texts(language)[key]).format(**values)


def feedback_buttons(language: str = DEFAULT_LANGUAGE) -> list[dict[str, str]]:
    """👍/👎 under every answer; a 👎 puts the question in the editors' review inbox."""
    return [
        {"title": text("feedback_up", language), "payload": "/feedback_up"},
        {"title": text("feedback_down", language), "payload": "/feedback_down"},
    ]
