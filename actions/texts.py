"""User-facing texts of the actions, per language, from texts.<lang>.yml."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

DEFAULT_LANGUAGE = "fi"
_DIR = Path(__file__).resolve().parent


@cache
def _texts(language: str) -> dict[str, str]:
    path = _DIR / f"texts.{language}.yml"
    if not path.exists():
        path = _DIR / f"texts.{DEFAULT_LANGUAGE}.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def text(key: str, language: str = DEFAULT_LANGUAGE, **values: str) -> str:
    return _texts(language)[key].format(**values)


def feedback_buttons(language: str = DEFAULT_LANGUAGE) -> list[dict[str, str]]:
    """👍/👎 under every answer; a 👎 puts the question in the editors' review inbox."""
    return [
        {"title": text("feedback_up", language), "payload": "/feedback_up"},
        {"title": text("feedback_down", language), "payload": "/feedback_down"},
    ]
