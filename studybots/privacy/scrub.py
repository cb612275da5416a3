"""Personal-data scrubbing of free text for everything the bots store.

The bots log every student message so that content editors can see what
students ask and improve the answers.  Those logs must contain no personal
data, and the project must never build a register of people (a
"henkilörekisteri").

* :func:`scrub` replaces personal identity codes (henkilötunnus), e-mail
  addresses, phone numbers and bank account numbers (IBAN) in free text with
  fixed placeholders, leaving the rest of the message untouched so that the
  question itself stays readable.

* Street addresses (:data:`ADDRESS`) and names (:data:`NAME`): see
  :mod:`studybots.privacy.names` for what is recognised and what is kept.

Pseudonyms of sender ids are in :mod:`studybots.privacy.pseudonyms`; what a
store may write at all (events, slots, metadata, keys) is decided in
:mod:`studybots.privacy.at_rest`, which calls :func:`scrub` for every text.

Names are found with patterns and a list of common names, so an unusual
name outside a self-introduction can still pass: editors must still treat
logs as confidential material.
"""

from __future__ import annotations

import datetime
import re

from studybots.privacy.names import ADDRESS, NAME, scrub_addresses, scrub_names

__all__ = [
    "ADDRESS",
    "EMAIL",
    "HETU",
    "IBAN",
    "NAME",
    "PHONE",
    "scrub",
]

# Placeholders written in place of the personal data.  Other code (reports,
# tests, editors' tools) may refer to these constants.  None of them contains
# a digit or "@", so scrubbing a scrubbed text changes nothing.
HETU = "[HETU]"
EMAIL = "[SÄHKÖPOSTI]"
PHONE = "[PUHELIN]"
IBAN = "[IBAN]"

# A note on the patterns below.  Every pattern refuses to start right after
# "]" and to end right before "[" (besides the word characters it refuses
# anyway).  A placeholder written in the first pass puts "]" or "[" where the
# original text had a letter or digit, and this rule keeps a second pass from
# finding new matches next to it: scrub(scrub(x)) == scrub(x).

# ---------------------------------------------------------------------------
# Finnish personal identity code (henkilötunnus)
# ---------------------------------------------------------------------------

# Century signs: + for the 1800s, - Y X W V U for the 1900s, A-F for the 2000s.
# (The check character is "0123456789ABCDEFHJKLMNPRSTUVWXY"[DDMMYYNNN % 31],
# but it is not verified: see _hetu_sub.)
_HETU_CENTURY = {
    "+": 1800,
    "-": 1900,
    "Y": 1900,
    "X": 1900,
    "W": 1900,
    "V": 1900,
    "U": 1900,
    "A": 2000,
    "B": 2000,
    "C": 2000,
    "D": 2000,
    "E": 2000,
    "F": 2000,
}

# DDMMYY, century sign, individual number, check character.  The check
# character class is 0-9 and A-Y without G, I, O, Q and Z.  The code must
# not be glued to letters or digits on either side, so longer numbers and
# product codes are left alone.
_HETU_RE = re.compile(
    # (The look-behind comes after the first digit so that the regex engine
    # can skip quickly to the digits; it checks the character before it.)
    r"([0-9](?<![\w\]][0-9])[0-9])([0-9]{2})([0-9]{2})"
    r"([-+A-FU-Y])"
    r"([0-9]{3})"
    r"([0-9A-FHJ-NPR-Y])"
    r"(?![\w\[])",
    re.IGNORECASE,
)


def _hetu_sub(match: re.Match) -> str:
    day, month, yy, sign, _individual, _check = match.groups()
    year = _HETU_CENTURY[sign.upper()] + int(yy)
    try:
        datetime.date(year, int(month), int(day))
    except ValueError:
        # Not a real date, so this is not a personal identity code.
        return match.group(0)
    # The date is valid and the shape is right: this is a personal identity
    # code whether or not the check character matches.  A typo in the check
    # character does not make the code any less personal, so it is replaced
    # either way.
    return HETU


# ---------------------------------------------------------------------------
# E-mail addresses
# ---------------------------------------------------------------------------

# The look-behind makes the local part start only at the beginning of a run
# of address characters, which keeps matching linear on hostile input.
_EMAIL_RE = re.compile(
    r"(?<![\w.%+\-\]])"
    r"[\w.%+\-]+"
    r"@"
    r"(?:[\w\-]+\.)+"
    r"[^\W\d_]{2,}"
    r"(?![\w\-\[])"
)

# ---------------------------------------------------------------------------
# IBAN account numbers
# ---------------------------------------------------------------------------

# Finnish IBAN: FI + 2 check digits + 14 digits, optionally grouped by four.
# Every string of this shape is an account number, even with a failing
# checksum (a typo), so no checksum is required here.
_FI_IBAN_RE = re.compile(
    r"F(?<![\w\]]F)I ?[0-9]{2}(?: ?[0-9]{4}){3} ?[0-9]{2}(?![\w\[])",
    re.IGNORECASE,
)

# Any country's IBAN: 2 letters + 2 check digits + 11..30 alphanumerics,
# optionally grouped by four.  Candidates are accepted only if the mod-97
# checksum is valid (see _replace_ibans), which keeps ordinary words out.
# For speed the match starts at the first check digit; the country code is
# checked by the look-behind and the match start is moved back by two.
_IBAN_RE = re.compile(
    r"[0-9](?<=(?<![\w\]])[A-Z]{2}[0-9])[0-9]"
    r"(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?"
    r"(?![\w\[])",
    re.IGNORECASE,
)


# Letters count as 10..35 in the mod-97 check.
_IBAN_LETTER_VALUES = str.maketrans(
    {chr(code): str(code - ord("A") + 10) for code in range(ord("A"), ord("Z") + 1)}
)
_IBAN_NON_DIGIT_RE = re.compile(r"[^0-9]")


def _iban_valid(compact: str) -> bool:
    """True if ``compact`` (no spaces) passes the IBAN mod-97 check."""
    compact = compact.upper()
    bban = compact[4:]
    if not 11 <= len(bban) <= 30:
        return False
    # Real BBANs always carry account digits; requiring a few keeps runs of
    # words that happen to pass mod 97 from being taken for accounts.
    if len(_IBAN_NON_DIGIT_RE.sub("", bban)) < 6:
        return False
    try:
        number = int((bban + compact[:4]).translate(_IBAN_LETTER_VALUES))
    except ValueError:
        # Non-ASCII look-alikes that case-insensitive matching let through.
        return False
    return number % 97 == 1


def _iban_length(candidate: str) -> int:
    """Length of the longest prefix of ``candidate`` that is a valid IBAN,
    or 0.  The pattern may have swallowed a trailing group of four that is
    not part of the account number, so prefixes ending at a space are tried
    too, longest first."""
    ends = [len(candidate)] + [i for i in range(len(candidate) - 1, 3, -1) if candidate[i] == " "]
    for end in ends:
        if _iban_valid(candidate[:end].replace(" ", "")):
            return end
    return 0


def _replace_ibans(text: str) -> str:
    """Replace checksum-valid IBANs of any country.

    A rejected candidate must not hide an account number that begins inside
    it ("... 00I3 GB82 WEST ..."), so after a rejection the search resumes
    one character later instead of after the candidate (the look-behind
    lets it restart only at the beginning of a word).
    """
    out: list[str] = []
    pos = 0
    search_from = 0
    while True:
        match = _IBAN_RE.search(text, search_from)
        if match is None:
            break
        start = match.start() - 2  # include the country code
        length = _iban_length(text[start : match.end()])
        if length:
            out.append(text[pos:start])
            out.append(IBAN)
            pos = search_from = start + length
        else:
            search_from = match.start() + 1
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


# ---------------------------------------------------------------------------
# Phone numbers
# ---------------------------------------------------------------------------

# A phone candidate is a run of digit groups separated by single spaces or
# hyphens, starting with "+", "0" or "(0".  Numbers that do not start like
# that (112, 116 117, years, postal codes such as 20100, amounts) can never
# be candidates.  Each digit group is maximal ("[0-9]+(?![0-9])"), so the
# pattern cannot split a group in several ways and stays linear.
_PHONE_GROUP = r"(?:\([0-9]{1,4}\)|[0-9]+(?![0-9]))"
_PHONE_RE = re.compile(
    # The first character is "+", "(" or "0"; it must not be inside a word
    # or another number (e.g. "2025-03-02", "1.02", "10:05").  The checks
    # come after that character so that the engine can skip to it quickly.
    r"[+(0](?<![\w+\-/\]].)(?<![0-9\]][.,:].)"
    # The first group: "+358", "(02)" or "040".
    r"(?:(?<=\+)[0-9]+(?![0-9])|(?<=\()0[0-9]{1,3}\)|(?<=0)[0-9]+(?![0-9]))"
    r"(?:[ \u00a0\-]?" + _PHONE_GROUP + r")*"
    # Not followed by a letter or by a decimal / date / time continuation.
    r"(?![\w\[])(?![.,:/][0-9\[])"
)
_PHONE_TOKEN_RE = re.compile(r"\+?\([0-9]{1,4}\)|\+?[0-9]+")
_NON_DIGIT_RE = re.compile(r"[^0-9]")
# Longest digit string worth checking: 00 + E.164 maximum of 15 digits.
_PHONE_MAX_DIGITS = 17


def _phone_start(token: tuple) -> bool:
    """True if a digit group can begin a phone number.

    It must start with "+", "0" or "(0" and must not continue a hyphenated
    run such as the date "2025-03-02".
    """
    text, separator = token[2], token[3]
    return "-" not in separator and (text[0] in "+0" or text.startswith("(0"))


def _phone_valid(first_token: str, digits: str) -> bool:
    """True if ``digits`` (starting with ``first_token``) is a phone number."""
    if first_token.startswith("+"):
        international = digits
    elif digits.startswith("00"):
        international = digits[2:]
    else:
        # Finnish national form: trunk 0 + area code or mobile prefix +
        # subscriber number, 7..12 digits in all.  "00" is the international
        # prefix; "01" is only used by area codes 013..019 (this also keeps
        # dates such as "01 02 2025" out).
        return (
            7 <= len(digits) <= 12
            and digits[0] == "0"
            and digits[1] != "0"
            and not (digits[1] == "1" and digits[2] not in "3456789")
        )
    if international.startswith("358"):
        # Finland: an optional trunk 0 ("+358 (0)40 ...") then 6..10 digits.
        rest = international[3:]
        if rest.startswith("0"):
            rest = rest[1:]
        return 6 <= len(rest) <= 10 and rest[0] != "0"
    # Other countries: E.164 allows at most 15 digits; require 8 so that
    # short codes are not taken for numbers.
    return 8 <= len(international) <= 15 and international[0] != "0"


def _phone_end(tokens: list, i: int, split: bool = True) -> int:
    """Index of the last token of the longest phone number starting at token
    ``i``, or -1 if none starts there.

    With ``split``, a valid number is ended early when the following groups
    form a phone number of their own ("040 123 4567 050 765 4321"), but not
    when they merely start with 0 ("+44 20 7946 0958").
    """
    first = tokens[i][2]
    best = -1
    digits = ""
    for j in range(i, len(tokens)):
        digits += _NON_DIGIT_RE.sub("", tokens[j][2])
        if len(digits) > _PHONE_MAX_DIGITS:
            break
        # A number may not end in the middle of a hyphenated run
        # ("2025-03-02"), just as it may not start in one.
        if j + 1 < len(tokens) and "-" in tokens[j + 1][3]:
            continue
        if _phone_valid(first, digits):
            best = j
            if (
                split
                and j + 1 < len(tokens)
                and _phone_start(tokens[j + 1])
                and _phone_end(tokens, j + 1, split=False) >= 0
            ):
                break
    return best


def _phone_sub(match: re.Match) -> str:
    candidate = match.group(0)
    # (start, end, text, separator before) for each digit group.
    tokens = []
    previous_end = 0
    for token in _PHONE_TOKEN_RE.finditer(candidate):
        separator = candidate[previous_end : token.start()]
        tokens.append((token.start(), token.end(), token.group(), separator))
        previous_end = token.end()
    out: list[str] = []
    pos = 0
    i = 0
    while i < len(tokens):
        best = _phone_end(tokens, i) if _phone_start(tokens[i]) else -1
        if best < 0:
            i += 1
            continue
        out.append(candidate[pos : tokens[i][0]])
        out.append(PHONE)
        pos = tokens[best][1]
        i = best + 1
    if not out:
        return candidate
    out.append(candidate[pos:])
    return "".join(out)


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


_DIGIT_RE = re.compile(r"[0-9]")


def scrub(text: str) -> str:
    """Return ``text`` with personal data replaced by placeholders.

    Replaces Finnish personal identity codes (:data:`HETU`), IBAN account
    numbers (:data:`IBAN`), e-mail addresses (:data:`EMAIL`), phone
    numbers (:data:`PHONE`), street addresses (:data:`ADDRESS`) and names
    (:data:`NAME`).  Everything else is returned unchanged.  The function
    is idempotent and does not raise for any ``str``.
    """
    if not isinstance(text, str):
        raise TypeError(f"scrub() expects str, not {type(text).__name__}")
    # Order matters.  E-mail addresses first: a local part may contain
    # anything else ("0401234567@sms.fi"), and the address must go as a
    # whole.  Then identity codes and account numbers, so that their digits
    # are never mistaken for parts of phone numbers.
    if "@" in text:
        text = _EMAIL_RE.sub(EMAIL, text)
    if _DIGIT_RE.search(text):
        text = _HETU_RE.sub(_hetu_sub, text)
        text = _FI_IBAN_RE.sub(IBAN, text)
        text = _replace_ibans(text)
        text = _PHONE_RE.sub(_phone_sub, text)
        # After the phone numbers, whose digits a house number must not take.
        text = scrub_addresses(text)
    return scrub_names(text)
