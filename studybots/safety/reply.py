"""The crisis reply, composed at run time from the catalogue: the category's
text in the student's language with its contacts, most urgent first.

Phone numbers become `[09 2525 0111](tel:+358925250111)` links for the web
widget (which builds tel: links from them without ever rendering HTML) and
stay plain text where links are not wanted (Slack).
"""

from __future__ import annotations

from studybots.catalogue.load import Safety, SafetyContact
from studybots.catalogue.schema import CONTACTS_PLACEHOLDER

FALLBACK_LANGUAGE = "fi"


def tel_uri(phone: str) -> str:
    """tel: URI of a Finnish number as written ("09 2525 0111" -> tel:+358925250111;
    short service numbers such as 112 and 116117 stay as they are)."""
    digits = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    if digits.startswith("0") and len(digits) > 6:
        digits = "+358" + digits[1:]
    return "tel:" + digits


def contact_line(contact: SafetyContact, lang: str, links: bool) -> str:
    """'• name: number (hours)'; a name that contains its number ("Hätänumero
    112") is shown without it, so the number appears once, as the link."""
    name = contact.names.get(lang) or contact.names[FALLBACK_LANGUAGE]
    if contact.phone:
        name = " ".join(name.replace(contact.phone, " ").split())
        reach = f"[{contact.phone}]({tel_uri(contact.phone)})" if links else contact.phone
    else:
        reach = contact.url
    hours = contact.hours.get(lang) or ""
    return f"• {name}: {reach}" + (f" ({hours})" if hours else "")


def contacts_for(safety: Safety, category: str, lang: str) -> list[SafetyContact]:
    listed = [safety.contacts[c] for c in safety.categories[category].contacts]
    return [c for c in listed if not c.langs or lang in c.langs]


def compose(safety: Safety, category: str, lang: str, links: bool = True) -> str:
    cat = safety.categories[category]
    text = cat.replies.get(lang) or cat.replies[FALLBACK_LANGUAGE]
    lang = lang if cat.replies.get(lang) else FALLBACK_LANGUAGE
    lines = "\n".join(contact_line(c, lang, links) for c in contacts_for(safety, category, lang))
    before, after = text.split(CONTACTS_PLACEHOLDER, 1)
    return f"{before.strip()}\n{lines}\n{after.strip()}".strip()
