"""`catalogue.yml`: what a life event's folder says about itself.

The life event (id and names), the city, the PTV life events Paavo weighs up,
the languages, the attribution line shown under PTV services, and `texts`:
what each bot says that depends on the life event (its greeting, what it can
do, what it says to an off-topic question), in the default language, with
`texts_<lang>` (same keys) for every other switched-on language. `make generate` writes the
`utter_*` texts into the bots' generated domain; the other texts replace the
actions' defaults (actions/texts.fi.yml) at run time. Another life event is
another folder with its own catalogue.yml: no code changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from studybots.catalogue.schema import LANGUAGES

FILE = "catalogue.yml"

# Texts each bot must have; `utter_*` are responses, the others action texts.
REQUIRED_TEXTS = {
    "tero": (
        "utter_greet",
        "utter_goodbye",
        "utter_thanks",
        "utter_iamabot",
        "utter_what_can_you_do",
        "utter_out_of_scope",
        "utter_anything_else",
        "term_out_of_scope",
    ),
    "paavo": (
        "utter_greet",
        "utter_goodbye",
        "utter_thanks",
        "utter_iamabot",
        "utter_what_can_you_do",
        "utter_out_of_scope",
        "anything_else",
        "service_none",
    ),
}
REQUIRED_KEYS = ("life_event", "city", "languages", "default_language", "attribution", "texts")


def read(catalogue_dir: Path) -> dict[str, Any]:
    path = catalogue_dir / FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    return data if isinstance(data, dict) else {}


def languages(data: dict[str, Any]) -> tuple[str, ...]:
    """The switched-on languages, the tables' own (default) language first."""
    default = str(data.get("default_language") or "fi")
    listed = data.get("languages")
    listed = [str(x) for x in listed] if isinstance(listed, list) else []
    return (default, *[lang for lang in listed if lang != default and lang in LANGUAGES])


def texts_key(data: dict[str, Any], lang: str | None) -> str:
    """`texts` for the default language, `texts_<lang>` for the others."""
    return "texts" if lang in (None, languages(data)[0]) else f"texts_{lang}"


def problems(catalogue_dir: Path) -> list[tuple[str, str]]:
    """(key, message) for everything wrong in catalogue.yml, in Finnish."""
    path = catalogue_dir / FILE
    if not path.exists():
        return [("", "tiedosto puuttuu")]
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return [("", f"ei ole kelvollista YAMLia ({exc.__class__.__name__})")]
    if not isinstance(data, dict):
        return [("", "pitää olla avain: arvo -pareja")]
    found = [(key, "puuttuu") for key in REQUIRED_KEYS if key not in data]
    life_event = data.get("life_event")
    if "life_event" in data and not (isinstance(life_event, dict) and life_event.get("fi")):
        found.append(("life_event", "elämäntapahtuman nimi (fi) puuttuu"))
    listed = data.get("languages")
    if "languages" in data and not (
        isinstance(listed, list) and listed and all(x in LANGUAGES for x in listed)
    ):
        found.append(("languages", f"pitää olla lista kielistä: {', '.join(LANGUAGES)}"))
    if "default_language" in data and data["default_language"] not in LANGUAGES:
        found.append(("default_language", f"pitää olla jokin näistä: {', '.join(LANGUAGES)}"))
    for lang in languages(data):
        key = texts_key(data, lang)
        if key != "texts" and key not in data:
            found.append((key, f"puuttuu (kieli {lang} on käytössä)"))
            continue
        found += _text_problems(data.get(key), key, key in data)
    return found


def _text_problems(texts: Any, name: str, present: bool) -> list[tuple[str, str]]:
    if present and not isinstance(texts, dict):
        return [(name, "pitää olla bottien tekstit (tero:, paavo:)")]
    found = []
    for bot, keys in REQUIRED_TEXTS.items():
        bot_texts = (texts or {}).get(bot)
        if texts is not None and not isinstance(bot_texts, dict):
            found.append((f"{name}.{bot}", "puuttuu"))
            continue
        for key in keys:
            value = (bot_texts or {}).get(key)
            if texts is not None and not (isinstance(value, str) and value.strip()):
                found.append((f"{name}.{bot}.{key}", "teksti puuttuu"))
        for key in sorted(set(bot_texts or {}) - set(keys)):
            found.append((f"{name}.{bot}.{key}", f"tuntematon teksti; sallitut: {', '.join(keys)}"))
    return found


def responses(meta: dict[str, Any], bot: str, lang: str | None = None) -> dict[str, str]:
    """The bot's `utter_*` texts for its generated domain, in `lang` (default:
    the catalogue's own language)."""
    texts = (meta.get(texts_key(meta, lang)) or {}).get(bot) or {}
    return {key: value for key, value in texts.items() if key.startswith("utter_")}


def action_texts(meta: dict[str, Any], lang: str | None = None) -> dict[str, str]:
    """The texts that replace the actions' defaults (both bots' keys differ), in
    `lang` (default: the catalogue's own language)."""
    found: dict[str, str] = {}
    for texts in (meta.get(texts_key(meta, lang)) or {}).values():
        found.update({k: v for k, v in (texts or {}).items() if not k.startswith("utter_")})
    attribution = meta.get(
        "attribution" if texts_key(meta, lang) == "texts" else f"attribution_{lang}"
    )
    if attribution:
        found["service_attribution"] = str(attribution).strip()
    return found
