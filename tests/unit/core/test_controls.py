"""Control characters out of what students type (logged, shown to editors)."""

from __future__ import annotations

from studybots.core.controls import BIDI_CONTROLS, strip_controls


def test_bidirectional_controls_are_removed():
    # U+202E would show an editor "mikä on kela" reversed or reordered.
    assert strip_controls("mikä on \u202ealek\u202c kela") == "mikä on alek kela"
    for control in BIDI_CONTROLS:
        assert strip_controls(f"a{control}b") == "ab", hex(ord(control))
    assert {hex(ord(c)) for c in BIDI_CONTROLS} >= {
        "0x202a",
        "0x202b",
        "0x202c",
        "0x202d",
        "0x202e",
        "0x2066",
        "0x2067",
        "0x2068",
        "0x2069",
        "0x200e",
        "0x200f",
        "0x61c",
    }


def test_other_controls_go_text_stays():
    assert strip_controls("a\x00b\x1bc\x7fd\x85e\ud800f") == "abcdef"
    assert strip_controls("rivi 1\nrivi 2\tsarake") == "rivi 1\nrivi 2\tsarake"
    # Zero-width joiners belong to emoji sequences and some scripts.
    assert (
        strip_controls("👩\u200d💻 Äiti, Åbo, عربى, עברית") == "👩\u200d💻 Äiti, Åbo, عربى, עברית"
    )
    assert strip_controls("A\u030a") == "Å"  # NFC
