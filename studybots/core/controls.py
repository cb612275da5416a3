"""Control characters out of text from the outside, before it is logged or shown.

What a student types reaches the question log and the editors' review sheet.
Control characters (NUL, ESC, ...) and lone surrogates have no place there,
and bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE and the others
below) reorder how the text around them is displayed, so a message could
show an editor something other than what it says ("Trojan Source",
CVE-2021-42574). Line breaks and tabs stay; zero-width spaces and joiners,
which do not reorder anything and belong to some scripts, stay too.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["BIDI_CONTROLS", "strip_controls"]

# Unicode's bidirectional formatting characters (UAX #9, section 2).
BIDI_CONTROLS = frozenset(
    "\u061c"  # ARABIC LETTER MARK
    "\u200e\u200f"  # LEFT-TO-RIGHT MARK, RIGHT-TO-LEFT MARK
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings, POP DIRECTIONAL FORMATTING, overrides
    "\u2066\u2067\u2068\u2069"  # isolates, POP DIRECTIONAL ISOLATE
)
_UNWANTED = re.compile(
    "[" + "".join(sorted(BIDI_CONTROLS)) + r"\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]"
)


def strip_controls(text: str) -> str:
    """NFC-normalised `text` without control, bidirectional-control and
    surrogate characters (line breaks and tabs kept)."""
    return _UNWANTED.sub("", unicodedata.normalize("NFC", text))
