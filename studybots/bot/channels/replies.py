"""What a channel itself says, in Finnish, Swedish and English.

The bots answer in the student's language; so do the channels when they
answer without the bot (an empty or unreadable message, a bot still starting,
a failure). A channel does not detect languages: it answers in the language
the widget asks for (`metadata.language`, the student's choice in the
language switch), else in Finnish, the catalogue's default.

Each bot message a channel sends carries its language as `lang` (the
widget's messages get a `lang` attribute from it, for screen readers):
`language_of` reads it from the message's response metadata, which the
actions and the domain's responses set (actions/texts.py, studybots/build/nlu.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from studybots.core.language import LANGUAGES

DEFAULT = "fi"
MAX_MESSAGE_CHARS = 2000

REPLIES: dict[str, dict[str, str]] = {
    "empty_message": {
        "fi": "Kirjoita kysymyksesi, niin autan mielelläni.",
        "sv": "Skriv din fråga, så hjälper jag gärna till.",
        "en": "Type your question and I'll be glad to help.",
    },
    "failure": {
        "fi": "Pahoittelut, jokin meni vikaan. Yritä hetken päästä uudelleen.",
        "sv": "Förlåt, något gick fel. Försök igen om en stund.",
        "en": "Sorry, something went wrong. Please try again in a moment.",
    },
    "invalid_payload": {
        "fi": "Viestiä ei voitu lukea. Kirjoita kysymyksesi tekstinä.",
        "sv": "Meddelandet kunde inte läsas. Skriv din fråga som text.",
        "en": "The message could not be read. Please type your question as text.",
    },
    "invalid_message": {
        "fi": "Viestin pitää olla tekstiä. Kirjoita kysymyksesi uudelleen.",
        "sv": "Meddelandet måste vara text. Skriv din fråga igen.",
        "en": "The message must be text. Please type your question again.",
    },
    "message_too_long": {
        "fi": (
            f"Viesti on liian pitkä: enintään {MAX_MESSAGE_CHARS} merkkiä. "
            "Kysy lyhyemmin, niin autan mielelläni."
        ),
        "sv": (
            f"Meddelandet är för långt: högst {MAX_MESSAGE_CHARS} tecken. "
            "Fråga kortare, så hjälper jag gärna till."
        ),
        "en": (
            f"The message is too long: at most {MAX_MESSAGE_CHARS} characters. "
            "Ask in fewer words and I'll be glad to help."
        ),
    },
    "invalid_session": {
        "fi": "Keskustelu ei ole vielä valmis. Lataa sivu uudelleen ja yritä sitten uudelleen.",
        "sv": "Samtalet är inte klart ännu. Ladda om sidan och försök sedan igen.",
        "en": "The conversation is not ready yet. Reload the page and try again.",
    },
    "starting": {
        "fi": "Botti käynnistyy vielä. Yritä hetken päästä uudelleen.",
        "sv": "Botten startar fortfarande. Försök igen om en stund.",
        "en": "The bot is still starting. Please try again in a moment.",
    },
    "rate_limited": {
        "fi": "Lähetit viestejä liian nopeasti. Odota hetki (noin {seconds} s) ja yritä sitten uudelleen.",
        "sv": "Du skickade meddelanden för snabbt. Vänta en stund (cirka {seconds} s) och försök sedan igen.",
        "en": "Too many messages. Please wait about {seconds} s and try again.",
    },
}


def requested(metadata: Mapping[str, Any] | None) -> str:
    """The language the widget asks for, else the default."""
    lang = (metadata or {}).get("language")
    return lang if isinstance(lang, str) and lang in LANGUAGES else DEFAULT


def reply(code: str, lang: str = DEFAULT, **values: Any) -> str:
    texts = REPLIES[code]
    return texts.get(lang, texts[DEFAULT]).format(**values)


def language_of(message: Mapping[str, Any]) -> str | None:
    """The language of a bot message (its response metadata), if it names one."""
    metadata = message.get("metadata")
    lang = metadata.get("language") if isinstance(metadata, Mapping) else None
    return lang if isinstance(lang, str) and lang in LANGUAGES else None
