"""The validator names file, row and column of each problem, and nothing is
built from a catalogue that does not validate."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from studybots.catalogue.load import CatalogueInvalid, load_catalogue
from studybots.catalogue.validate import validate_catalogue
from studybots.core.settings import PROJECT_ROOT


def edit_cell(path: Path, row_index: int, column: str, value: str) -> int:
    """Set one cell; returns the line number of the edited row."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    header = list(rows[0].keys())
    rows[row_index][column] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return row_index + 2


def problems_for(catalogue_dir: Path) -> list[str]:
    return [str(p) for p in validate_catalogue(catalogue_dir)]


def test_committed_catalogue_is_valid():
    assert validate_catalogue(PROJECT_ROOT / "catalogue") == []


def test_every_topic_group_and_service_topic_is_covered(catalogue):
    areas = {t.area for t in catalogue.terms.values()}
    assert areas == {
        "asuminen",
        "raha",
        "terveys",
        "liikkuminen",
        "opiskelu",
        "tyo",
        "vapaa-aika",
        "asiointi",
    }
    assert len(catalogue.terms) >= 69
    assert all(len(p) >= 8 for p in catalogue.term_phrasings.values())
    # The real PTV lists are in, with their ids.
    assert len(catalogue.ptv_services) > 1000


@pytest.mark.parametrize(
    "column,value,message",
    [
        ("source_url", "http://www.kela.fi", "https"),
        ("source_url", "kela piste fi", "https"),
        ("dimension", "9", "tuntematon koodi"),
        ("phase", "kesä", "tuntematon koodi"),
        ("checked", "27.11.2026", "VVVV-KK-PP"),
        ("definition", "", "pakollinen"),
        ("services", "no_such_service", "ei löydy"),
        ("id", "Kela Kortti", "pieniä kirjaimia"),
    ],
)
def test_bad_term_cell_is_reported_with_file_row_and_column(catalogue_copy, column, value, message):
    line = edit_cell(catalogue_copy / "terms" / "terms.csv", 3, column, value)
    problems = problems_for(catalogue_copy)
    expected = [
        p
        for p in problems
        if p.startswith(f"terms/terms.csv, rivi {line}, sarake '{column}'") and message in p
    ]
    assert expected, problems


def test_duplicate_id_is_reported(catalogue_copy):
    path = catalogue_copy / "services" / "services.csv"
    with path.open(encoding="utf-8") as fh:
        first_id = list(csv.DictReader(fh))[0]["id"]
    line = edit_cell(path, 5, "id", first_id)
    problems = problems_for(catalogue_copy)
    assert any(
        f"services/services.csv, rivi {line}, sarake 'id'" in p and "rivillä 2" in p
        for p in problems
    ), problems


def test_unknown_ptv_code_and_dangling_need_reference(catalogue_copy):
    line_code = edit_cell(
        catalogue_copy / "services" / "services.csv", 0, "service_classes", "P1;P999"
    )
    line_need = edit_cell(catalogue_copy / "services" / "needs.csv", 0, "services", "ghost")
    problems = problems_for(catalogue_copy)
    assert any(f"rivi {line_code}, sarake 'service_classes'" in p and "P999" in p for p in problems)
    assert any(
        f"services/needs.csv, rivi {line_need}, sarake 'services'" in p and "ghost" in p
        for p in problems
    )


def test_phrasing_shared_by_two_terms_is_refused(catalogue_copy):
    path = catalogue_copy / "terms" / "phrasings.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    other = next(r for r in rows if r["term_id"] != rows[0]["term_id"])
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"{other['term_id']},fi,{rows[0]['text'].upper()}\n")
    problems = problems_for(catalogue_copy)
    assert any("kahteen kohteeseen" in p or "duplicate" in p for p in problems), problems


def test_rasa_markup_in_a_phrasing_is_refused(catalogue_copy):
    edit_cell(catalogue_copy / "terms" / "phrasings.csv", 0, "text", "mikä on [kela](org)")
    assert any("sarake 'text'" in p and "[" in p for p in problems_for(catalogue_copy))


def test_too_few_phrasings_is_reported(catalogue_copy):
    path = catalogue_copy / "terms" / "phrasings.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    victim = rows[0]["term_id"]
    kept = [r for r in rows if r["term_id"] != victim] + [
        r for r in rows if r["term_id"] == victim
    ][:3]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept)
    assert any(f"'{victim}': 3 ilmaisua" in p for p in problems_for(catalogue_copy))


def test_missing_column_missing_file_and_bad_encoding(catalogue_copy):
    (catalogue_copy / "services" / "need_phrasings.csv").unlink()
    # UTF-8 with a row pasted in from a Windows-1252 file: two encodings in one file.
    (catalogue_copy / "services" / "needs.csv").write_bytes(
        "id,name\nasunto,Asunnon löytäminen\n".encode()
        + "muutto,Muutto Turkuun\xe4\n".encode("latin-1")
    )
    text = (catalogue_copy / "terms" / "terms.csv").read_text(encoding="utf-8")
    (catalogue_copy / "terms" / "terms.csv").write_text(
        text.replace(",checked,", ",tarkistettu,", 1), encoding="utf-8"
    )
    problems = problems_for(catalogue_copy)
    assert any(p.startswith("services/need_phrasings.csv") and "puuttuu" in p for p in problems)
    assert any(p.startswith("services/needs.csv: rivi 3") and "UTF-8" in p for p in problems), (
        problems
    )
    assert any("sarake 'checked'" in p and "puuttuu" in p for p in problems)
    assert any("sarake 'tarkistettu'" in p and "tuntematon" in p for p in problems)


def test_spreadsheet_bom_is_accepted(catalogue_copy):
    path = catalogue_copy / "terms" / "terms.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert validate_catalogue(catalogue_copy) == []


def test_a_table_saved_by_a_finnish_excel_is_read_as_it_was(catalogue_copy):
    """Semicolons, CRLF and Windows-1252 (an older Excel's "CSV"): the same catalogue."""
    for rel in ("terms/terms.csv", "services/needs.csv"):
        path = catalogue_copy / rel
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        with path.open("w", encoding="cp1252", newline="") as fh:
            csv.writer(fh, delimiter=";", lineterminator="\r\n").writerows(rows)
    assert validate_catalogue(catalogue_copy) == []
    original = load_catalogue(PROJECT_ROOT / "catalogue")
    resaved = load_catalogue(catalogue_copy)
    assert resaved.terms == original.terms and resaved.needs == original.needs


def test_loading_refuses_an_invalid_catalogue(catalogue_copy):
    edit_cell(catalogue_copy / "terms" / "terms.csv", 0, "phase", "väärä")
    with pytest.raises(CatalogueInvalid) as info:
        load_catalogue(catalogue_copy)
    assert "terms/terms.csv" in str(info.value)


def test_validation_command_exit_code(catalogue_copy, monkeypatch, capsys):
    from studybots.catalogue.__main__ import main

    monkeypatch.setenv("STUDYBOTS_CATALOGUE_DIR", str(catalogue_copy))
    assert main() == 0
    edit_cell(catalogue_copy / "terms" / "terms.csv", 0, "dimension", "0")
    assert main() == 1
    assert "terms/terms.csv, rivi 2, sarake 'dimension'" in capsys.readouterr().out


# Topics marked (S) in the shared topic list, by the term that covers them.
SERVICE_TOPICS = (
    "tys",
    "vuokra_asunto",
    "asumistuki",
    "muuttoilmoitus",
    "opintotuki",
    "verokortti",
    "toimeentulotuki",
    "yths",
    "paivystys",
    "mielenterveys",
    "hammashoito",
    "foli",
    "kirjasto",
    "opinto_ohjaus",
    "suomen_kieli",
    "kesatyo",
    "tyollisyyspalvelut",
    "liikuntapaikat",
    "museot",
    "nuorisopalvelut",
    "oleskelulupa",
    "kaupungin_neuvonta",
)


@pytest.mark.parametrize("term_id", SERVICE_TOPICS)
def test_every_service_topic_has_a_curated_service(catalogue, term_id):
    term = catalogue.terms[term_id]
    assert term.services, f"{term_id} lists no related service"
    for service_id in term.services:
        service = catalogue.services[service_id]
        assert service.url.startswith("https://") and service.provider
    # ... and Paavo reaches it through some need.
    reachable = {s for need in catalogue.needs.values() for s in need.services}
    assert reachable & set(term.services), f"no need leads to {term_id}'s services"


def test_every_life_event_folder_is_valid():
    """Each folder under lifeevents/ is a catalogue of its own (no code)."""
    folders = sorted(p for p in (PROJECT_ROOT / "lifeevents").iterdir() if p.is_dir())
    assert folders, "no second life event"
    for folder in folders:
        assert validate_catalogue(folder) == [], folder.name


def test_catalogue_yml_names_each_missing_or_unknown_text(catalogue_copy):
    import yaml

    path = catalogue_copy / "catalogue.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["texts"]["tero"]["utter_greet"]
    data["texts"]["paavo"]["utter_hello"] = "Moi"
    del data["attribution"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    found = problems_for(catalogue_copy)
    assert "catalogue.yml, sarake 'texts.tero.utter_greet': teksti puuttuu" in found
    assert any(
        p.startswith("catalogue.yml, sarake 'texts.paavo.utter_hello': tuntematon") for p in found
    )
    assert "catalogue.yml, sarake 'attribution': puuttuu" in found
    with pytest.raises(CatalogueInvalid):
        load_catalogue(catalogue_copy)


def test_broken_catalogue_yml_is_reported_not_raised(catalogue_copy):
    (catalogue_copy / "catalogue.yml").write_text("texts: [\n", encoding="utf-8")
    assert problems_for(catalogue_copy) == [
        "catalogue.yml: ei ole kelvollista YAMLia (ParserError)"
    ]


def _edit_rows(path: Path, edit) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames or []), list(reader)
    edit(rows)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_a_missing_translation_is_named_while_its_language_is_on(catalogue_copy):
    terms = catalogue_copy / "terms" / "terms.csv"
    _edit_rows(terms, lambda rows: rows[0].update(definition_sv=""))
    assert "terms/terms.csv, rivi 2, sarake 'definition_sv': käännös puuttuu" in " ".join(
        problems_for(catalogue_copy)
    )
    # Swedish switched off: the same table is valid (the column may stay empty).
    yml = catalogue_copy / "catalogue.yml"
    yml.write_text(yml.read_text(encoding="utf-8").replace("[fi, sv, en]", "[fi, en]"), "utf-8")
    assert problems_for(catalogue_copy) == []


def test_each_language_needs_its_own_phrasings(catalogue_copy):
    path = catalogue_copy / "terms" / "phrasings.csv"
    _edit_rows(
        path,
        lambda rows: rows.__setitem__(
            slice(None), [r for r in rows if not (r["term_id"] == "kela" and r["lang"] == "en")]
        ),
    )
    assert any("'kela': 0 ilmaisua kielellä en" in p for p in problems_for(catalogue_copy))


def test_translations_are_loaded_and_fall_back_to_the_tables_language(catalogue_copy):
    catalogue = load_catalogue(catalogue_copy)
    assert catalogue.languages == ("fi", "sv", "en")
    kela = catalogue.terms["kela"]
    assert kela.text("definition", "sv") != kela.definition
    assert kela.text("definition", "de") == kela.definition
    assert kela.text("source_url", "en") == kela.source_url  # no English page named
    assert {catalogue.phrasing_languages[t] for t in catalogue.term_phrasings["kela"]} == {
        "fi",
        "sv",
        "en",
    }


def test_an_unknown_code_lists_the_valid_ones_and_what_was_meant(catalogue_copy):
    """An editor wrote the dimension's name, not its code (issue 14)."""
    line = edit_cell(catalogue_copy / "terms" / "terms.csv", 0, "dimension", "sosiaaliset suhteet")
    (problem,) = [
        p for p in problems_for(catalogue_copy) if f"rivi {line}, sarake 'dimension'" in p
    ]
    assert "'sosiaaliset suhteet'" in problem
    assert "Tarkoititko '6' (sosiaaliset suhteet)" in problem
    assert "1 = aineellinen elintaso" in problem and "8 = turvallisuus" in problem


def test_a_long_code_list_offers_the_closest_codes(catalogue_copy):
    path = catalogue_copy / "services" / "services.csv"
    line = edit_cell(path, 0, "service_classes", "Vuokra-asuminen")
    line2 = edit_cell(path, 1, "service_classes", "P1.1,P1.2")
    found = problems_for(catalogue_copy)
    (problem,) = [p for p in found if f"rivi {line}, sarake 'service_classes'" in p]
    assert "Tarkoititko 'P1.1' (Vuokra-asuminen)" in problem
    assert "P27" not in problem  # not the whole list of 230 codes
    (problem,) = [p for p in found if f"rivi {line2}, sarake 'service_classes'" in p]
    assert "Erota arvot puolipisteellä: P1.1;P1.2" in problem


def test_a_dangling_reference_offers_the_closest_ids(catalogue_copy):
    line = edit_cell(catalogue_copy / "services" / "needs.csv", 0, "services", "tys_asunto")
    (problem,) = [p for p in problems_for(catalogue_copy) if f"rivi {line}, sarake 'services'" in p]
    assert "'tys_asunto'" in problem and "Tarkoititko 'tys_asunnot'?" in problem
    assert "services/services.csv" in problem  # where all of them are


def test_a_date_reformatted_by_a_finnish_excel_says_how_to_write_it(catalogue_copy):
    line = edit_cell(catalogue_copy / "terms" / "terms.csv", 0, "checked", "27.11.2026")
    (problem,) = [p for p in problems_for(catalogue_copy) if f"rivi {line}, sarake 'checked'" in p]
    assert "kirjoita 2026-11-27" in problem and "tekstiksi" in problem


def test_every_problem_is_reported_at_once(catalogue_copy):
    terms = catalogue_copy / "terms" / "terms.csv"
    edit_cell(terms, 0, "phase", "kesä")
    edit_cell(terms, 0, "source_url", "http://kela.fi")
    edit_cell(terms, 4, "area", "rahat")
    edit_cell(catalogue_copy / "services" / "needs.csv", 2, "phase", "talvi")
    found = problems_for(catalogue_copy)
    assert [p.split(":")[0] for p in found] == [
        "services/needs.csv, rivi 4, sarake 'phase'",
        "terms/terms.csv, rivi 2, sarake 'phase'",
        "terms/terms.csv, rivi 2, sarake 'source_url'",
        "terms/terms.csv, rivi 6, sarake 'area'",
    ]
    assert "Tarkoititko 'raha'" in found[3]


def test_the_command_says_which_table_was_not_utf8(catalogue_copy, monkeypatch, capsys):
    from studybots.catalogue.__main__ import main

    monkeypatch.setenv("STUDYBOTS_CATALOGUE_DIR", str(catalogue_copy))
    path = catalogue_copy / "services" / "needs.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    assert main() == 0
    out = capsys.readouterr().out
    assert "services/needs.csv: luettu merkistöllä Windows-1252" in out and "CSV UTF-8" in out
