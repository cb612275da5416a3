"""The catalogue validation refuses broken safety rows, naming file, row and column."""

from __future__ import annotations

import csv
from pathlib import Path

from studybots.catalogue.validate import validate_catalogue


def edit(path: Path, row: int, column: str, value: str) -> int:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[row][column] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0].keys()), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return row + 2


def problems(directory: Path) -> list[str]:
    return [str(p) for p in validate_catalogue(directory)]


def test_a_contact_without_source_or_checked_date_is_refused(catalogue_copy):
    path = catalogue_copy / "safety" / "contacts.csv"
    line = edit(path, 3, "source_url", "")
    line2 = edit(path, 4, "checked", "")
    found = problems(catalogue_copy)
    assert (
        f"safety/contacts.csv, rivi {line}, sarake 'source_url': pakollinen tieto puuttuu (required value missing)"
        in found
    )
    assert (
        f"safety/contacts.csv, rivi {line2}, sarake 'checked': pakollinen tieto puuttuu (required value missing)"
        in found
    )


def test_a_reply_without_source_date_or_contacts_placeholder_is_refused(catalogue_copy):
    path = catalogue_copy / "safety" / "categories.csv"
    line = edit(path, 0, "reply_sv", "Ring nödnumret nu.")
    edit(path, 1, "checked", "1.12.2026")
    found = problems(catalogue_copy)
    assert any(
        p.startswith(f"safety/categories.csv, rivi {line}, sarake 'reply_sv'") and "{contacts}" in p
        for p in found
    )
    assert any("rivi 3, sarake 'checked'" in p and "VVVV-KK-PP" in p for p in found)


def test_unknown_contact_ids_and_phone_numbers_in_replies_are_refused(catalogue_copy):
    path = catalogue_copy / "safety" / "categories.csv"
    line = edit(path, 2, "contacts", "hatanumero_112;kriisilinja_keksitty")
    line2 = edit(path, 3, "reply_fi", "Soita numeroon 09 123 456: {contacts}")
    found = problems(catalogue_copy)
    (problem,) = [
        p
        for p in found
        if p.startswith(
            f"safety/categories.csv, rivi {line}, sarake 'contacts': viittaus "
            "'kriisilinja_keksitty' ei löydy taulukosta safety_contacts."
        )
    ]
    assert "vaihtoehtoa: safety/contacts.csv" in problem  # where the valid ids are
    assert any(f"rivi {line2}, sarake 'reply_fi'" in p and "numeroita" in p for p in found)


def test_bad_phone_pattern_language_and_category_are_refused(catalogue_copy):
    safety = catalogue_copy / "safety"
    edit(safety / "contacts.csv", 0, "phone", "112 tai 911")
    edit(safety / "patterns.csv", 0, "pattern", "(itsemurh")
    edit(safety / "phrasings.csv", 0, "lang", "de")
    edit(safety / "phrasings.csv", 1, "category", "hätä")
    found = "\n".join(problems(catalogue_copy))
    assert "safety/contacts.csv, rivi 2, sarake 'phone'" in found
    assert "safety/patterns.csv, rivi 2, sarake 'pattern': säännöllinen lauseke ei käänny" in found
    assert (
        "safety/phrasings.csv, rivi 2, sarake 'lang': 'de' ei ole mikään näistä: fi, sv, en"
        in found
    )
    assert "safety/phrasings.csv, rivi 3, sarake 'category': viittaus 'hätä'" in found


def test_the_none_class_is_a_valid_phrasing_category(catalogue):
    assert any(p.label == "none" for p in catalogue.safety.phrasings)
