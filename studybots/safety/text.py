"""The folding the safety patterns are written for (catalogue/safety/SOURCES.md):
lower case; ä -> a, ö -> o, å -> a; typographic apostrophes -> '; runs of
whitespace -> one space."""

from __future__ import annotations

import re
import unicodedata

_LETTERS = str.maketrans({"ä": "a", "ö": "o", "å": "a", "’": "'", "‘": "'", "´": "'"})
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "").lower().translate(_LETTERS)
    return _SPACE.sub(" ", text).strip()
