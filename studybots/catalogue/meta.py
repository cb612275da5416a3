"""`catalogue.yml`: what a life event's folder says about itself.

The life event (id and names), the city, the PTV life events Paavo weighs up,
the languages, the attribution line shown under PTV services, and `texts`:
what each bot says that depends on the life event (its greeting, what it can
do, what it says to an off-topic question). `make generate` writes the
`utter_*` texts into the bots' generated domain; the other texts replace the
actions' defaults (actions/texts.fi.yml) at run time. Another life event is
another folder with its own catalogue.yml: no code changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

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
    texts = data.get("texts")
    if "texts" in data and not isinstance(texts, dict):
        return [*found, ("texts", "pitää olla bottien tekstit (tero:, paavo:)")]
    for bot, keys in REQUIRED_TEXTS.items():
        bot_texts = (texts or {}).get(bot)
        if texts is not None and not isinstance(bot_texts, dict):
            found.append((f"texts.{bot}", "puuttuu"))
            continue
        for key in keys:
            value = (bot_texts or {}).get(key)
            if texts is not None and not (isinstance(value, str) and value.strip()):
                found.append((f"texts.{bot}.{key}", "teksti puuttuu"))
        for key in sorted(set(bot_texts or {}) - set(keys)):
            found.append((f"texts.{bot}.{key}", f"tuntematon teksti; sallitut: {', '.join(keys)}"))
    return found


def responses(meta: dict[str, Any], bot: str) -> dict[str, str]:
    """The bot's `utter_*` texts for its generated domain."""
    texts = (meta.get("texts") or {}).get(bot) or {}
    return {key: value for key, value in texts.items() if key.startswith("utter_")}


def action_texts(meta: dict[str, Any]) -> dict[str, str]:
    """The texts that replace the actions' defaults (both bots' keys differ)."""
    found: dict[str, str] = {}
    for texts in (meta.get("texts") or {}).values():
        found.update({k: v for k, v in (texts or {}).items() if not k.startswith("utter_")})
    if meta.get("attribution"):
        found["service_attribution"] = str(meta["attribution"]).strip()
    return found
