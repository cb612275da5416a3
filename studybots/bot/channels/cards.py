"""Paavo's service answer as cards: the one payload every channel reads.

Paavo's service-finding action sends ONE bot message: a complete plain
`text` (for channels without cards, e.g. REST clients), the 👍/👎 buttons,
and this module's payload as the message's `custom`:

    {"studybots": "services",
     "intro": "Nämä palvelut voisivat auttaa:",
     "services": [{"name", "provider", "summary", "url", "link_label",
                   "lang", "note"}, ...],
     "glossary": [{"term", "definition"}, ...],
     "attribution": "Palveluiden tiedot: ..." or ""}

The web widget draws a card per service from it (studybots-widget.js), the
Slack channel Block Kit blocks (slack.py), and the REST and Socket.IO
channels pass it on inside the same message (rest.py, socketio.py).

`build` makes the payload from the action's data and `read` checks one that
arrives at a channel; both give the same clean shape: strings only, control
and bidirectional characters removed, white space collapsed, every field
within its length, at most MAX_SERVICES services, and a `url` only when it
is an absolute http(s) address (anything else, `javascript:` included,
becomes ""). Nothing here escapes HTML or Slack markup: each channel does
that for its own format (the widget uses textContent only).

A service whose texts are not in the reply's language (a PTV service PTV
has no translation of) names their language as `lang` ("" when they are in
the reply's language) and says so in a short `note`.

A `summary` is the description's first sentence when that is short enough,
otherwise the description cut at a word boundary with "…" after a whole
word: never "…" in the middle of a word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from studybots.core.controls import strip_controls
from studybots.core.language import LANGUAGES

__all__ = [
    "KIND",
    "MAX_SERVICES",
    "build",
    "clean",
    "from_message",
    "plain_text",
    "read",
    "safe_url",
    "summary",
]

KIND = "services"
MARKER = "studybots"

MAX_SERVICES = 10
MAX_GLOSSARY = 3
INTRO_CHARS = 300
NAME_CHARS = 150
PROVIDER_CHARS = 150
SUMMARY_CHARS = 180
NOTE_CHARS = 80
TERM_CHARS = 80
DEFINITION_CHARS = 180
LABEL_CHARS = 40
ATTRIBUTION_CHARS = 300
URL_CHARS = 2000

ELLIPSIS = "…"

# Abbreviations after which a full stop does not end a Finnish, Swedish or
# English sentence ("esim. Kela", "t.ex. Kela", "e.g. Kela").
_ABBREVIATIONS = frozenset(
    ["esim", "ns", "mm", "yms", "jne", "tms", "ym", "ks", "vrt", "n", "ca", "klo", "puh", "nro"]
    + ["t.ex", "bl.a", "s.k", "o.s.v", "resp"]
    + ["etc", "e.g", "i.e", "approx", "no", "dr", "mr", "mrs", "ms", "st", "vs"]
)
# A sentence ends at . ! ? followed by white space and a capital letter or a digit.
_SENTENCE_END = re.compile(r"[.!?](?=\s+[\"'(«”]?[A-ZÅÄÖÜ0-9])")
_TRAILING = ",;:–—-(/"


def clean(value: Any, limit: int) -> str:
    """`value` as one line of plain text of at most `limit` characters: not a
    string -> "", control and bidirectional characters out, white space
    collapsed, cut at a word boundary ("…" after a whole word)."""
    if not isinstance(value, str):
        return ""
    text = " ".join(strip_controls(value).split())
    return _cut(text, limit)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[: limit - len(ELLIPSIS) + 1]
    if " " in head:  # after the last whole word
        head = head[: head.rindex(" ")]
    else:  # one very long word (a code, an address): cut it, nothing better to do
        head = head[: limit - len(ELLIPSIS)]
    return head.rstrip().rstrip(_TRAILING + ".").rstrip() + ELLIPSIS


def _first_sentence(text: str) -> str:
    for match in _SENTENCE_END.finditer(text):
        word = text[: match.start()].rsplit(" ", 1)[-1].lower()
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue
        return text[: match.end()]
    return text


def summary(description: Any, limit: int = SUMMARY_CHARS) -> str:
    """The description in one short line: its first sentence when that fits
    in `limit`, otherwise the text cut cleanly at a word boundary."""
    text = clean(description, 10 * limit)
    if not text:
        return ""
    first = _first_sentence(text)
    return first if len(first) <= limit else _cut(text, limit)


def safe_url(value: Any) -> str:
    """An absolute http(s) address with a host, or "" for anything else
    (javascript:, data:, relative paths, addresses with spaces or controls)."""
    if not isinstance(value, str):
        return ""
    url = value.strip()
    if not url or len(url) > URL_CHARS or url != strip_controls(url) or re.search(r"\s", url):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return url


def _service(item: Mapping[str, Any], link_label: str) -> dict[str, str] | None:
    name = clean(item.get("name"), NAME_CHARS)
    if not name:
        return None
    url = safe_url(item.get("url"))
    label = clean(item.get("link_label"), LABEL_CHARS) or link_label
    return {
        "name": name,
        "provider": clean(item.get("provider"), PROVIDER_CHARS),
        "summary": summary(item.get("summary"), SUMMARY_CHARS),
        "url": url,
        "link_label": label if url else "",
        "lang": lang if (lang := item.get("lang")) in LANGUAGES else "",
        "note": clean(item.get("note"), NOTE_CHARS),
    }


def _glossary(items: Iterable[Any]) -> list[dict[str, str]]:
    found = []
    for item in items:
        if isinstance(item, Mapping):
            term = clean(item.get("term"), TERM_CHARS)
            definition = summary(item.get("definition"), DEFINITION_CHARS)
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            term = clean(item[0], TERM_CHARS)
            definition = summary(item[1], DEFINITION_CHARS)
        else:
            continue
        if term and definition:
            found.append({"term": term, "definition": definition})
        if len(found) == MAX_GLOSSARY:
            break
    return found


def build(
    intro: str,
    services: Iterable[Mapping[str, Any]],
    link_label: str,
    glossary: Iterable[Any] = (),
    attribution: str = "",
) -> dict[str, Any]:
    """The payload for the services the action found. Each service is a
    mapping with name, provider, url and `description` (or a ready
    `summary`); `glossary` holds (term, definition) pairs or mappings."""
    label = clean(link_label, LABEL_CHARS)
    items = []
    for service in services:
        item = dict(service)
        if "summary" not in item:
            item["summary"] = item.get("description")
        items.append(item)
    return _payload(
        {
            "intro": intro,
            "services": items,
            "glossary": list(glossary),
            "attribution": attribution,
        },
        label,
    )


def _payload(data: Mapping[str, Any], link_label: str) -> dict[str, Any]:
    services = data.get("services")
    glossary = data.get("glossary")
    cards = []
    for item in services if isinstance(services, list) else []:
        card = _service(item, link_label) if isinstance(item, Mapping) else None
        if card:
            cards.append(card)
        if len(cards) == MAX_SERVICES:
            break
    return {
        MARKER: KIND,
        "intro": clean(data.get("intro"), INTRO_CHARS),
        "services": cards,
        "glossary": _glossary(glossary if isinstance(glossary, list) else []),
        "attribution": clean(data.get("attribution"), ATTRIBUTION_CHARS),
    }


def read(custom: Any) -> dict[str, Any] | None:
    """A payload that arrives at a channel, checked and cleaned again, or
    None when it is not a services payload or lists no service."""
    if not isinstance(custom, Mapping) or custom.get(MARKER) != KIND:
        return None
    payload = _payload(custom, "")
    return payload if payload["services"] else None


def from_message(message: Mapping[str, Any]) -> dict[str, Any] | None:
    """The services payload of a bot message (its `custom`), if it has one."""
    return read(message.get("custom"))


def plain_text(payload: Mapping[str, Any], glossary_line: str = "{term} = {definition}") -> str:
    """The whole answer as plain text, for channels without cards: the intro,
    a numbered entry per service (name – provider, summary, address), the
    glossary and the attribution, each part after a blank line."""
    lines = [payload["intro"]] if payload.get("intro") else []
    for i, service in enumerate(payload.get("services") or [], 1):
        head = f"{i}. {service['name']}"
        if service.get("provider"):
            head += f" – {service['provider']}"
        lines.append(head)
        lines += [f"   {service[key]}" for key in ("summary", "note", "url") if service.get(key)]
    glossary = [
        glossary_line.format(term=g["term"], definition=g["definition"])
        for g in payload.get("glossary") or []
    ]
    if glossary:
        lines += ["", *glossary]
    if payload.get("attribution"):
        lines += ["", payload["attribution"]]
    return "\n".join(lines)
