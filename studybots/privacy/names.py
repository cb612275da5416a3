"""Names and street addresses in free text, replaced by placeholders.

:func:`scrub_addresses` replaces

* a street name followed by a house number, with an optional staircase or
  letter and flat number ("Hämeenkatu 12 A 3", "Aurakatu 1", "Slottsgatan 2",
  "Yliopistonkadulla 5"), and a postal code with its town after it
  ("Hämeenkatu 12, 20100 Turku" is one address);
* a postal code followed by a town ("20100 Turku", "FI-20500 Åbo").

A street name without a number stays ("missä on Yliopistonkatu?",
"Aurakadulla on kahvila"): it names a place, not where someone lives. A
street with a number is replaced even when it is a service's address: the
log cannot tell a student's home from an office, and the question stays
readable ("missä on [OSOITE]?").

:func:`scrub_names` replaces

* what follows a self-introduction: "nimeni on X", "mun nimi on X",
  "jag heter X", "mitt namn är X", "my name is X", "call me X", a
  signature ("terveisin X", "mvh X", "hälsningar X", "regards X"): the next
  word whatever it is, and the capitalised words right after it;
* after a weaker cue ("olen X", "oon X", "jag är X", "I'm X", "I am X"): a
  known first name or surname and the capitalised words after it ("olen
  Matti Meikäläinen"), but not "olen Turussa" or "olen opiskelija";
* anywhere: a common first name or surname of studybots.privacy.name_list
  in any of its usual forms ("Matille", "Virtasen"), capitalised, or in
  lower case when a first name and a surname come together ("matti
  virtanen"); a first name together with the capitalised word after it is
  one name. Names that are also ordinary words or places ("Anna", "Onni",
  "Kaarina", "Salo") count only after a cue or next to another name.

Consecutive name words become one :data:`NAME`. Placeholders contain no
letters a pattern could take for a name, so scrubbing twice changes
nothing more than scrubbing once.
"""

from __future__ import annotations

import re
from functools import lru_cache

from studybots.privacy import name_list

__all__ = ["ADDRESS", "NAME", "scrub_addresses", "scrub_names"]

NAME = "[NIMI]"
ADDRESS = "[OSOITE]"

# ---------------------------------------------------------------------------
# Street addresses
# ---------------------------------------------------------------------------

# Endings of Finnish and Swedish street names, with the Finnish case forms a
# student writes before a number ("asun Hämeenkadulla 12").
_STREET_ENDINGS = tuple(
    [
        "katu",
        "kadulla",
        "kadulle",
        "kadulta",
        "kadun",
        "tie",
        "tiellä",
        "tielle",
        "tieltä",
        "tien",
        "kuja",
        "kujalla",
        "kujalle",
        "kujalta",
        "kujan",
        "polku",
        "polulla",
        "polulle",
        "polulta",
        "polun",
        "raitti",
        "raitilla",
        "raitille",
        "raitin",
        "väylä",
        "väylällä",
        "väylälle",
        "väylän",
        "kaari",
        "kaarella",
        "kaarelle",
        "kaaren",
        "rinne",
        "rinteellä",
        "rinteelle",
        "rinteen",
        "ranta",
        "rannalla",
        "rannalle",
        "rannan",
        "puistikko",
        "tori",
        "torilla",
        "torin",
        "aukio",
        "aukiolla",
        "aukion",
        "bulevardi",
        "esplanadi",
        "mäki",
        "mäellä",
        "mäen",
        "piha",
        "pihalla",
        "pihan",
        "kaarre",
        "kaarteella",
        "kaarteen",
        "gatan",
        "gata",
        "vägen",
        "väg",
        "gränd",
        "gränden",
        "stigen",
        "stig",
        "torget",
        "torg",
        "allén",
        "allé",
        "backen",
        "esplanaden",
        "kajen",
        "strand",
        "stranden",
        "plan",
        "planen",
        "parken",
    ]
)
# Words with a street ending that students use for other things.
_NOT_STREETS = frozenset({"opintopolku", "opintopolun", "opintopolulla", "opintopolulle"})
_LETTER = r"[^\W\d_]"
# Streets are found from their numbers: a digit after white space, then the
# word before it (much faster than a pattern that tries every ending at
# every word).
_NUMBER_AFTER_SPACE_RE = re.compile(r"[0-9](?<=\s[0-9])")
_HOUSE = (
    r"\s+[0-9]{1,4}(?:\s?[-–]\s?[0-9]{1,4})?"  # 12, 12-14
    r"(?:\s?[A-Za-z](?![^\W_]))?"  # 12 A, 12b
    r"(?:\s?(?:as\.?|bst\.?|lgh\.?)?\s?[0-9]{1,4}(?![0-9]))?"  # A 3, as. 4
    r"(?::(?:ssa|ssä|n|een|stä|sta|lle))?"  # 12:ssa
)
_POSTAL = (
    r"(?:FI-?\s?)?[0-9]{5}(?![0-9])\s+[A-ZÅÄÖ]" + _LETTER + r"+(?:[ -][A-ZÅÄÖ]" + _LETTER + r"+)?"
)
_REST_RE = re.compile(_HOUSE + r"(?:,?\s+" + _POSTAL + r")?(?![\w\[])", re.IGNORECASE)
_POSTAL_RE = re.compile(r"(?<![\w\]\[.,:/-])" + _POSTAL + r"(?![\w\[])")


def _word_before(text: str, end: int) -> tuple[int, int] | None:
    """(start, end) of the word that white space before `end` follows."""
    i = end
    while i > 0 and text[i - 1].isspace():
        i -= 1
    k = i
    while k > 0 and (text[k - 1].isalpha() or text[k - 1] == "-"):
        k -= 1
    if k == i or (k > 0 and (text[k - 1].isalnum() or text[k - 1] in "_[]")):
        return None
    return k, i


def _streets(text: str) -> str:
    out: list[str] = []
    pos = 0
    for number in _NUMBER_AFTER_SPACE_RE.finditer(text):
        if number.start() < pos:
            continue
        word = _word_before(text, number.start())
        if word is None or word[0] < pos:
            continue
        name = text[word[0] : word[1]].casefold().strip("-")
        if not name.endswith(_STREET_ENDINGS) or name in _STREET_ENDINGS or name in _NOT_STREETS:
            continue  # not a street, "tie 12" alone, or a service ("Opintopolku 2025")
        rest = _REST_RE.match(text, word[1])
        if rest is None:
            continue
        out.append(text[pos : word[0]])
        out.append(ADDRESS)
        pos = rest.end()
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def scrub_addresses(text: str) -> str:
    if not any(ch.isdigit() for ch in text):
        return text
    return _POSTAL_RE.sub(ADDRESS, _streets(text))


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------

# A word: letters, possibly joined by hyphens or an apostrophe ("Anna-Liisa",
# "I'm"); never glued to a placeholder, a digit or an e-mail address.
_WORD_RE = re.compile(r"(?<![\w\]\[@.'’-])[^\W\d_]+(?:['’-][^\W\d_]+)*(?![\w\[@'’-])")

_STRONG_CUES = (
    ("nimeni", "on"),
    ("nimi", "on"),  # "mun nimi on", "minun nimi on" (checked with the word before)
    ("jag", "heter"),  # not "heter" alone: "vad heter Kela på engelska?"
    ("mitt", "namn", "är"),
    ("my", "name", "is"),  # not "name is" alone: "the service's name is Föli"
    ("my", "name's"),
    ("call", "me"),
    ("kutsu", "minua"),
    ("terveisin",),
    ("mvh",),
    ("hälsningar",),
    ("regards",),
)
_WEAK_CUES = (("olen",), ("oon",), ("jag", "är"), ("i", "am"), ("i'm",), ("im",))
# "nimi on" alone is also "palvelun nimi on Kela": only mine counts.
_MY = {"mun", "minun", "mein", "mu"}
# Words that never are the name after a cue.
_NOT_NAMES = {
    "ja",
    "ei",
    "en",
    "ole",
    "on",
    "se",
    "että",
    "kun",
    "myös",
    "vain",
    "nyt",
    "och",
    "inte",
    "är",
    "jag",
    "det",
    "ett",
    "and",
    "not",
    "is",
    "a",
    "an",
    "the",
    "new",
    "here",
    "from",
    "in",
    "at",
}
# Places and terms a capitalised word after a first name must not be.
_NOT_SURNAME_STEMS = (
    "kela",
    "yths",
    "föli",
    "tys",
    "migri",
    "dvv",
    "vero",
    "turu",
    "turk",
    "åbo",
    "kaarin",
    "rais",
    "naantal",
    "liedo",
    "lieto",
    "helsin",
    "espoo",
    "tampere",
    "suom",
    "finland",
    "ruotsi",
    "sverige",
    "hus",
    "kampus",
    "yliopisto",
    "ammattikorkea",
    "kirjasto",
)


def _fold(word: str) -> str:
    return word.replace("’", "'").casefold()


def _weak_stem(name: str) -> str | None:
    """Consonant gradation of a name's stem: Matti -> Mati(n), Mikko -> Miko(n)."""
    match = re.match(r"^(.*?)(kk|pp|tt)([aeiouyäö])$", name)
    return match.group(1) + match.group(2)[0] + match.group(3) if match else None


_VOWEL_ENDINGS = ("n", "lle", "lla", "llä", "lta", "ltä", "sta", "stä", "ssa", "ssä")
# Case forms of names that are everyday words ("pian" = soon).
_NOT_FORMS = {"pian", "kain", "salon", "aran"}


def _forms(name: str) -> set[str]:
    """The nominative and the usual case forms of a name (casefolded)."""
    base = _fold(name)
    forms = {base, base + "s"}  # Swedish genitive: Johans
    if base.endswith("nen"):  # Virtanen -> Virtasen, Virtaselle
        stem = base[:-3] + "se"
        forms |= {stem + e for e in ("n", "lle", "lla", "llä", "lta", "ltä", "sta", "stä", "en")}
    elif base[-1] in "aeiouyäö":
        stems = {base, _weak_stem(base) or base}
        forms |= {s + e for s in stems for e in _VOWEL_ENDINGS}
    else:  # Erik -> Erikin, Eriksson -> Erikssonille
        forms |= {base + "i" + e for e in ("n", "lle", "lla", "llä", "lta", "ltä", "sta", "stä")}
    return forms - _NOT_FORMS


@lru_cache(maxsize=1)
def _lexicon() -> tuple[dict[str, str], dict[str, str]]:
    """form -> nominative, for first names and for surnames."""
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    for names, table in ((name_list.FIRST_NAMES, first), (name_list.SURNAMES, last)):
        for name in names:
            for form in _forms(name):
                table.setdefault(form, name)
    return first, last


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and not word.isupper()


def _by_last_word(cues: tuple) -> dict[str, list[tuple[str, ...]]]:
    table: dict[str, list[tuple[str, ...]]] = {}
    for cue in cues:
        table.setdefault(cue[-1], []).append(cue)
    return table


_STRONG = _by_last_word(_STRONG_CUES)
_WEAK = _by_last_word(_WEAK_CUES)


def _cue_before(words: list, folded: list[str], i: int, text: str, cues: dict) -> bool:
    """True if one of `cues` ends right before word `i` (only spaces, or a
    comma or colon after a signature, between them)."""
    if i == 0:
        return False
    for cue in cues.get(folded[i - 1], ()):
        n = len(cue)
        if i < n or tuple(folded[i - n : i]) != cue:
            continue
        if any(text[words[k].end() : words[k + 1].start()].strip() for k in range(i - n, i - 1)):
            continue
        gap = text[words[i - 1].end() : words[i].start()]
        if gap.strip(" \t\n,:") or len(gap) > 4:
            continue
        if cue == ("nimi", "on") and (i < 3 or folded[i - 3] not in _MY):
            continue
        return True
    return False


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:\n"


def _joined(text: str, left, right) -> bool:
    """Two words separated by spaces only (a name goes on)."""
    gap = text[left.end() : right.start()]
    return 0 < len(gap) <= 2 and not gap.strip()


def _name_spans(text: str) -> list[tuple[int, int]]:
    first, last = _lexicon()
    words = list(_WORD_RE.finditer(text))
    folded = [_fold(w.group()) for w in words]
    marked = [False] * len(words)

    def known(i: int) -> str | None:
        f = folded[i]
        if f in first:
            return first[f]
        if f in last:
            return last[f]
        parts = f.split("-")
        if len(parts) > 1 and all(p in first for p in parts):
            return first[parts[-1]]  # "Anna-Liisa": a double first name
        return None

    def extend(i: int, limit: int = 3) -> None:
        """Mark the capitalised or known words that go on from word i."""
        j = i + 1
        while j < len(words) and j - i < limit and _joined(text, words[j - 1], words[j]):
            w = words[j].group()
            if folded[j] in _NOT_NAMES or folded[j] in _MY:
                break
            if folded[j] in last or (
                _capitalised(w) and not folded[j].startswith(_NOT_SURNAME_STEMS)
            ):
                marked[j] = True
                j += 1
            else:
                break

    for i, match in enumerate(words):
        word, f = match.group(), folded[i]
        if marked[i] or f in _NOT_NAMES:
            continue
        if _cue_before(words, folded, i, text, _STRONG):
            marked[i] = True
            extend(i)
            continue
        nominative = known(i)
        if nominative is None:
            continue
        ambiguous = nominative in name_list.AMBIGUOUS
        if _cue_before(words, folded, i, text, _WEAK) and (f not in last or _capitalised(word)):
            marked[i] = True
            extend(i)
            continue
        nxt = i + 1 if i + 1 < len(words) and _joined(text, match, words[i + 1]) else None
        is_first = f in first or "-" in f  # known() said a hyphenated one is
        if is_first and nxt is not None and folded[nxt] in last:
            # A first name and a surname, in any case: "matti virtanen".
            marked[i] = marked[nxt] = True
            extend(nxt)
            continue
        if not _capitalised(word) or ambiguous:
            continue
        if _fold(nominative) != f and _sentence_start(text, match.start()):
            continue  # "Pian", "Esan": an inflected form opening a sentence
        marked[i] = True
        if is_first:
            extend(i)
    spans: list[tuple[int, int]] = []
    for i, match in enumerate(words):
        if not marked[i]:
            continue
        if spans and i > 0 and marked[i - 1] and _joined(text, words[i - 1], match):
            spans[-1] = (spans[-1][0], match.end())
        else:
            spans.append((match.start(), match.end()))
    return spans


_SPACE_RE = re.compile(r"\s")


def scrub_names(text: str) -> str:
    if not _SPACE_RE.search(text) and not _capitalised(text):
        return text  # one word, not capitalised ("tarve_asunto", "rest"): never a name
    spans = _name_spans(text)
    if not spans:
        return text
    out, pos = [], 0
    for start, end in spans:
        out.append(text[pos:start])
        out.append(NAME)
        pos = end
    out.append(text[pos:])
    return "".join(out)
