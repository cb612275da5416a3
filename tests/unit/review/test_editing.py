"""Editors close the loop without programming: export the inbox, fill in the
sheet, import it; the catalogue changes (validated, shown as a diff) and the
decisions are recorded with the editor's name."""

from __future__ import annotations

import csv
import shutil

import pytest

from studybots.catalogue import history
from studybots.catalogue.load import load_catalogue
from studybots.review.__main__ import main as review_main
from studybots.review.inbox import EXPORT_COLUMNS, inbox
from tests.support.log_rows import write_log
from tests.support.sheets import FINNISH_EXCEL, fill_sheet, read_sheet, save_sheet


@pytest.fixture()
def editor_env(tmp_path, catalogue_copy, monkeypatch):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    monkeypatch.setenv("STUDYBOTS_LOG_URL", url)
    monkeypatch.setenv("STUDYBOTS_CATALOGUE_DIR", str(catalogue_copy))
    write_log(
        url,
        tmp_path,
        [("mikä on hoas", "out_of_scope", 0.6, None, ["out_of_scope"])] * 4
        + [("kelan nettipalvelu", "suggest", 0.2, None, ["nlu_fallback", "termi_omakela"])] * 2
        + [("mikä on bitcoin", "out_of_scope", 0.9, None, ["out_of_scope"])],
    )
    return url, catalogue_copy, tmp_path


def fill(path, edits: dict[str, dict[str, str]], how=FINNISH_EXCEL) -> None:
    """The editor fills in the sheet in a spreadsheet and saves it (by default
    as a Finnish Excel saves "CSV UTF-8": BOM, semicolons, CRLF)."""
    fill_sheet(path, edits, how)


NEW_TERM = {
    "action": "uusi",
    "target": "hoas",
    "term": "HOAS",
    "definition": "HOAS on pääkaupunkiseudun opiskelija-asuntosäätiö. Turussa opiskelija-asuntoja "
    "vuokraa TYS.",
    "source_url": "https://www.hoas.fi/",
    "area": "asuminen",
    "dimension": "1",
    "phase": "ennakointi",
    "phrasings": "mitä hoas tarkoittaa;onko turussa hoasia;hoas asunto turku;hoas kämppä;"
    "voinko hakea hoasilta asuntoa turusta;mikä se hoas on;hoasin asunnot",
    # Swedish and English are switched on: the new term is written in them too.
    "term_sv": "HOAS",
    "definition_sv": "HOAS är en stiftelse för studentbostäder i huvudstadsregionen. I Åbo hyr TYS "
    "ut studentbostäder.",
    "phrasings_sv": "vad är hoas;vad betyder hoas;finns hoas i åbo;hoas bostad;hoas lägenhet;"
    "kan jag söka bostad från hoas;hoas studentbostäder;vad gör hoas",
    "term_en": "HOAS",
    "definition_en": "HOAS is a student housing foundation in the Helsinki region. In Turku, student "
    "housing is rented by TYS.",
    "phrasings_en": "what is hoas;what does hoas mean;is hoas in turku;hoas apartment;hoas flat;"
    "can i apply to hoas;hoas student housing;what does hoas do",
}


def test_map_new_and_ignore_from_a_filled_sheet(editor_env, capsys):
    url, catalogue_dir, tmp_path = editor_env
    sheet = tmp_path / "inbox.csv"
    assert review_main(["--csv", str(sheet)]) == 0
    fill(
        sheet,
        {
            "kelan nettipalvelu": {
                "action": "map",
                "target": "omakela",
                "editor": "Maija Toimittaja",
            },
            "mikä on hoas": {**NEW_TERM, "editor": "Maija Toimittaja"},
            "mikä on bitcoin": {"action": "ohita"},
        },
    )
    assert review_main(["--import", str(sheet), "--editor", "Matti"]) == 0
    out = capsys.readouterr().out
    assert "+omakela,fi,kelan nettipalvelu" in out and "+hoas,HOAS" in out  # a readable diff

    catalogue = load_catalogue(catalogue_dir)
    assert "kelan nettipalvelu" in catalogue.term_phrasings["omakela"]
    assert catalogue.terms["hoas"].definition.startswith("HOAS on")
    assert "mikä on hoas" in catalogue.term_phrasings["hoas"]
    with (catalogue_dir / "changes.csv").open(encoding="utf-8") as fh:
        changes = list(csv.DictReader(fh))
    assert {(c["editor"], c["action"], c["target"]) for c in changes} == {
        ("Maija Toimittaja", "map", "omakela"),
        ("Maija Toimittaja", "new", "hoas"),
        ("Matti", "ignore", ""),
    }
    assert all(c["time"] for c in changes)
    # The import is one change of the catalogue's history, by its editors.
    hist = catalogue_dir.parent / "catalogue-history"
    latest, first = history.log(catalogue_dir, hist)
    assert latest.account == "Maija Toimittaja, Matti" and first.account == history.SYSTEM
    assert latest.message == (
        "Taulukko inbox.csv: liitä tero -> omakela (1); uusi tero -> hoas (1); ohita tero (1)"
    )
    assert set(latest.files) == {"changes.csv", "terms/phrasings.csv", "terms/terms.csv"}
    assert f"luettelon historiassa: versio {latest.short}" in out

    assert inbox(url) == []  # nothing pending any more
    statuses = {i.question: i.status for i in inbox(url, statuses=("resolved", "ignored"))}
    assert statuses == {
        "mikä on hoas": "resolved",
        "kelan nettipalvelu": "resolved",
        "mikä on bitcoin": "ignored",
    }


def sheet_rows(sheet) -> dict[str, int]:
    """Each question's row in the spreadsheet (the header is row 1)."""
    return {r["question"]: n for n, r in enumerate(read_sheet(sheet)[1], start=2)}


def test_invalid_sheet_changes_nothing_and_says_everything_at_once(editor_env, capsys):
    url, catalogue_dir, tmp_path = editor_env
    before = {p: p.read_bytes() for p in catalogue_dir.rglob("*.csv")}
    sheet = tmp_path / "inbox.csv"
    review_main(["--csv", str(sheet)])
    fill(
        sheet,
        {
            "kelan nettipalvelu": {"action": "map", "target": "no_such_term", "editor": "Maija"},
            "mikä on hoas": {**NEW_TERM, "phrasings": "", "editor": "Maija"},  # too few phrasings
            "mikä on bitcoin": {"action": "poista", "editor": "Maija"},
        },
    )
    assert review_main(["--import", str(sheet)]) == 1
    err = capsys.readouterr().err
    # All three in one go (issue 14: they came one at a time), each at the
    # sheet's own row and column, none at a catalogue file the editor never opened.
    row = sheet_rows(sheet)
    assert "Taulukossa on 3 virhettä, joten mitään ei muutettu" in err
    assert (
        f"inbox.csv, rivi {row['mikä on bitcoin']}, sarake 'action': 'poista' ei ole toiminto; "
        "kelvolliset: liitä (map), uusi (new), ohita (ignore)"
    ) in err
    assert (
        f"inbox.csv, rivi {row['kelan nettipalvelu']}, sarake 'target': termiä 'no_such_term' ei ole"
    ) in err
    assert (
        f"inbox.csv, rivi {row['mikä on hoas']}, sarake 'phrasings': uudella termillä 'hoas' on "
        "1 eri ilmaisua kielellä fi"
    ) in err and "lisää 7 puolipisteillä eroteltuna" in err
    assert "phrasings.csv, rivi" not in err and "terms.csv, rivi" not in err
    assert "Nothing was changed" in err
    assert {p: p.read_bytes() for p in catalogue_dir.rglob("*.csv")} == before
    assert len(inbox(url)) == 3  # still pending
    # Only the history's beginning: the refused import is no change.
    hist = catalogue_dir.parent / "catalogue-history"
    assert [c.account for c in history.log(catalogue_dir, hist)] == [history.SYSTEM]


def test_a_bad_value_of_a_new_term_is_named_at_its_sheet_cell_with_the_valid_ones(
    editor_env, capsys
):
    url, catalogue_dir, tmp_path = editor_env
    sheet = tmp_path / "inbox.csv"
    review_main(["--csv", str(sheet)])
    fill(
        sheet,
        {
            "mikä on hoas": {**NEW_TERM, "dimension": "sosiaaliset suhteet", "editor": "Maija"},
            "kelan nettipalvelu": {"action": "liitä", "target": "omakel", "editor": "Maija"},
        },
    )
    assert review_main(["--import", str(sheet)]) == 1
    err = capsys.readouterr().err
    row = sheet_rows(sheet)
    assert (
        f"inbox.csv, rivi {row['mikä on hoas']}, sarake 'dimension': tuntematon koodi "
        "'sosiaaliset suhteet' (koodisto dimension). Tarkoititko '6' (sosiaaliset suhteet)? "
        "Kelvolliset: 1 = aineellinen elintaso"
    ) in err
    assert (
        f"inbox.csv, rivi {row['kelan nettipalvelu']}, sarake 'target': termiä 'omakel' ei ole. "
        "Lähimmät: 'omakela' (OmaKela)"
    ) in err


def test_a_sheet_as_each_spreadsheet_saves_it_is_imported(editor_env, capsys):
    """Finnish Excel (BOM, semicolons, CRLF), an older Excel (Windows-1252) and
    LibreOffice (commas, LF): the same import, and the summary says what it read."""
    from tests.support.sheets import LIBREOFFICE, OLD_EXCEL

    url, catalogue_dir, tmp_path = editor_env
    for how, question, described in (
        (OLD_EXCEL, "kelan nettipalvelu", "merkistö Windows-1252 (vanha Excel), erotin puolipiste"),
        (LIBREOFFICE, "mikä on bitcoin", "merkistö UTF-8, erotin pilkku, rivinvaihto LF"),
    ):
        sheet = tmp_path / "viikko.csv"
        assert review_main(["--csv", str(sheet)]) == 0
        fill(sheet, {question: {"action": "ohita", "editor": "Mäkelä"}}, how)
        assert review_main(["--import", str(sheet)]) == 0
        out = capsys.readouterr().out
        assert "Luettiin viikko.csv: " in out and described in out
        assert f"({question}): ohitetaan" in out
    changes = (catalogue_dir / "changes.csv").read_text(encoding="utf-8")
    assert changes.count("Mäkelä") == 2  # ä read right from the Windows-1252 sheet


def test_the_summary_says_row_by_row_what_was_taken_and_what_was_not(editor_env, capsys):
    url, catalogue_dir, tmp_path = editor_env
    sheet = tmp_path / "inbox.csv"
    review_main(["--csv", str(sheet)])
    fill(
        sheet,
        {
            "kelan nettipalvelu": {"action": "Liitä", "target": "OmaKela", "editor": "Maija"},
            "mikä on bitcoin": {"target": "kela"},  # filled, but no action
        },
    )
    assert review_main(["--import", str(sheet)]) == 0
    out = capsys.readouterr().out
    row = sheet_rows(sheet)
    assert "Luettiin inbox.csv: 3 riviä (merkistö UTF-8 (BOM), erotin puolipiste" in out
    # A name written for the id (the sheet shows the guesses by name) is the term.
    assert (
        f"  rivi {row['kelan nettipalvelu']} (kelan nettipalvelu): liitetään termiin omakela"
    ) in out and "uusi ilmaisu (fi)" in out
    assert "Ei otettu:" in out
    assert f"  rivi {row['mikä on hoas']} (mikä on hoas): sarake action on tyhjä" in out
    assert (
        f"  rivi {row['mikä on bitcoin']} (mikä on bitcoin): sarake action on tyhjä, joten "
        "kysymystä ei käsitelty nyt (vaikka sarake target on täytetty: kirjoita action)"
    ) in out
    assert "kelan nettipalvelu" in load_catalogue(catalogue_dir).term_phrasings["omakela"]


def test_a_sheet_whose_rows_are_all_skipped_says_why(editor_env, capsys):
    url, catalogue_dir, tmp_path = editor_env
    sheet = tmp_path / "inbox.csv"
    review_main(["--csv", str(sheet)])
    assert review_main(["--import", str(sheet), "--editor", "Maija"]) == 1
    err = capsys.readouterr().err
    assert "Yhtään kysymystä ei käsitelty: sarake action on tyhjä kaikilla 3 rivillä" in err
    assert "0 kysymystä käsitelty" not in err


def test_an_unrecognised_header_lists_the_expected_and_the_found_columns(editor_env, capsys):
    """A catalogue table imported by mistake, or a sheet with its header changed."""
    url, catalogue_dir, tmp_path = editor_env
    sheet = tmp_path / "terms.csv"
    shutil.copy(catalogue_dir / "terms" / "terms.csv", sheet)
    assert review_main(["--import", str(sheet), "--editor", "Maija"]) == 1
    err = capsys.readouterr().err
    assert "terms.csv, rivi 1: otsikkorivi ei ole läpikäyntitaulukon otsikkorivi" in err
    assert "Puuttuvat sarakkeet: bot, question, action, target." in err
    assert "Odotetut sarakkeet: bot, question, lang, count" in err
    assert "Taulukossa on: id, term, aliases" in err


def test_a_sheet_exported_before_the_change_still_imports(editor_env, capsys):
    """The old export: comma, no BOM, LF, ids in best_guesses, reason codes, no checked."""
    url, catalogue_dir, tmp_path = editor_env
    old_columns = [c for c in EXPORT_COLUMNS if c not in ("checked", "reason_codes")]
    sheet = tmp_path / "vanha.csv"
    with sheet.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=old_columns, lineterminator="\n")
        writer.writeheader()
        writer.writerow(
            {
                "bot": "tero",
                "question": "kelan nettipalvelu",
                "count": "2",
                "reasons": "suggest",
                "best_guesses": "omakela",
                "first_seen": "2026-09-01T10:04",
                "status": "pending",
                "action": "map",
                "target": "omakela",
                "editor": "Maija",
            }
        )
        writer.writerow({"bot": "tero", "question": "mikä on hoas", **NEW_TERM, "editor": "Maija"})
    assert review_main(["--import", str(sheet)]) == 0
    catalogue = load_catalogue(catalogue_dir)
    assert "kelan nettipalvelu" in catalogue.term_phrasings["omakela"]
    assert catalogue.terms["hoas"].checked == ""  # nobody said the facts were checked


def test_checked_is_set_only_when_the_editor_confirms(editor_env, capsys):
    """A new term's `checked` date says its facts were checked against the
    source; the import never makes one up (issue 14)."""

    url, catalogue_dir, tmp_path = editor_env
    sheet = tmp_path / "inbox.csv"
    review_main(["--csv", str(sheet)])
    fill(sheet, {"mikä on hoas": {**NEW_TERM, "editor": "Maija"}})
    assert review_main(["--import", str(sheet)]) == 0
    out = capsys.readouterr().out
    assert load_catalogue(catalogue_dir).terms["hoas"].checked == ""
    assert "ei tarkistuspäivää: tarkista faktat virallisesta lähteestä" in out


@pytest.mark.parametrize(
    "value,expected",
    [
        ("kyllä", "today"),
        ("Kyllä", "today"),
        ("2026-11-27", "2026-11-27"),
        ("27.11.2026", "2026-11-27"),
    ],
)
def test_the_editor_confirms_the_check_in_the_sheet(editor_env, capsys, value, expected):
    from studybots.review.editing import today

    url, catalogue_dir, tmp_path = editor_env
    sheet = tmp_path / "inbox.csv"
    review_main(["--csv", str(sheet)])
    fill(sheet, {"mikä on hoas": {**NEW_TERM, "checked": value, "editor": "Maija"}})
    assert review_main(["--import", str(sheet)]) == 0
    date = today().isoformat() if expected == "today" else expected
    assert load_catalogue(catalogue_dir).terms["hoas"].checked == date
    assert f"tarkistettu {date}" in capsys.readouterr().out


@pytest.mark.parametrize(
    "value,message", [("ehkä", "ei kyllä eikä päivämäärä"), ("2999-01-01", "tulevaisuudessa")]
)
def test_a_check_that_is_not_a_yes_or_a_past_date_is_refused(editor_env, capsys, value, message):
    url, catalogue_dir, tmp_path = editor_env
    sheet = tmp_path / "inbox.csv"
    review_main(["--csv", str(sheet)])
    fill(sheet, {"mikä on hoas": {**NEW_TERM, "checked": value, "editor": "Maija"}})
    assert review_main(["--import", str(sheet)]) == 1
    row = sheet_rows(sheet)["mikä on hoas"]
    assert f"inbox.csv, rivi {row}, sarake 'checked': '{value}' " in capsys.readouterr().err
    assert "hoas" not in load_catalogue(catalogue_dir).terms


def test_a_table_the_editor_saved_in_excel_keeps_its_format(editor_env, capsys):
    """terms/phrasings.csv saved by a Finnish Excel: the mapped phrasing is
    appended in semicolons and CRLF, not as a comma line in the middle of it."""
    url, catalogue_dir, tmp_path = editor_env
    path = catalogue_dir / "terms" / "phrasings.csv"
    header, rows = read_sheet(path)
    save_sheet(path, header, rows)
    sheet = tmp_path / "inbox.csv"
    review_main(["--csv", str(sheet)])
    fill(sheet, {"kelan nettipalvelu": {"action": "map", "target": "omakela", "editor": "Maija"}})
    assert review_main(["--import", str(sheet)]) == 0
    assert path.read_bytes().endswith(b"\r\nomakela;fi;kelan nettipalvelu\r\n")
    assert "kelan nettipalvelu" in load_catalogue(catalogue_dir).term_phrasings["omakela"]


def test_interactive_review_one_question_at_a_time(editor_env):
    import io

    from studybots.review.interactive import run

    url, catalogue_dir, _ = editor_env
    # The inbox order is by count: hoas (4), kelan nettipalvelu (2), bitcoin (1).
    answers = iter(
        [
            "x",
            "i",  # unknown choice, then ignore "mikä on hoas"
            "1",  # map "kelan nettipalvelu" to its first guess (omakela)
            "q",
        ]
    )  # quit before "mikä on bitcoin"
    out = io.StringIO()
    assert run("Maija", ask=lambda prompt: next(answers), out=out) == 0
    assert "Tuntematon valinta" in out.getvalue()
    assert "kelan nettipalvelu" in load_catalogue(catalogue_dir).term_phrasings["omakela"]
    assert [i.question for i in inbox(url)] == ["mikä on bitcoin"]
    statuses = {i.question: i.status for i in inbox(url, statuses=("resolved", "ignored"))}
    assert statuses == {"mikä on hoas": "ignored", "kelan nettipalvelu": "resolved"}


def test_a_question_answered_in_swedish_is_mapped_as_a_swedish_phrasing(editor_env, capsys):
    url, catalogue_dir, tmp_path = editor_env
    # "nätbanken" could be any language to a detector: the log knows the bot answered in Swedish.
    write_log(url, tmp_path, [("omakela nätbanken", "suggest", 0.2, None, ["nlu_fallback"])], "sv")
    sheet = tmp_path / "inbox.csv"
    assert review_main(["--csv", str(sheet)]) == 0
    exported = {r["question"]: r["lang"] for r in read_sheet(sheet)[1]}
    assert exported["omakela nätbanken"] == "sv" and exported["mikä on hoas"] == ""

    fill(sheet, {"omakela nätbanken": {"action": "map", "target": "omakela", "lang": "ruotsi"}})
    assert review_main(["--import", str(sheet), "--editor", "Maija"]) == 1
    assert "sarake 'lang': 'ruotsi' ei ole luettelon kieli (fi, sv, en)" in capsys.readouterr().err

    fill(sheet, {"omakela nätbanken": {"action": "map", "target": "omakela", "lang": "sv"}})
    assert review_main(["--import", str(sheet), "--editor", "Maija"]) == 0
    assert "+omakela,sv,omakela nätbanken" in capsys.readouterr().out
    catalogue = load_catalogue(catalogue_dir)
    assert "omakela nätbanken" in catalogue.term_phrasings["omakela"]
    assert catalogue.phrasing_languages["omakela nätbanken"] == "sv"


def test_interactive_review_shows_the_language_and_maps_in_it(editor_env):
    import io

    from studybots.review.interactive import run

    url, catalogue_dir, tmp_path = editor_env
    write_log(
        url, tmp_path, [("login to omakela", "suggest", 0.2, None, ["nlu_fallback"])] * 5, "en"
    )
    # The most asked first: "login to omakela" (5), answered in English.
    answers = iter(["m", "omakela", "q"])
    out = io.StringIO()
    assert run("Maija", ask=lambda prompt: next(answers), out=out) == 0
    assert "[tero] (en) login to omakela" in out.getvalue()
    catalogue = load_catalogue(catalogue_dir)
    assert catalogue.phrasing_languages["login to omakela"] == "en"


def test_interactive_new_term_is_dated_only_when_the_editor_says_it_was_checked(editor_env):
    import io

    from studybots.review.interactive import new_term_fields, run

    url, catalogue_dir, _ = editor_env
    values = {**NEW_TERM, "checked": "kyllä"}
    # "mikä on hoas" (4) first: a new term, every field asked in fi, sv, en; then quit.
    fields = new_term_fields(("fi", "sv", "en"))
    assert [n for n, _ in fields][-7:] == [
        "term_sv",
        "definition_sv",
        "phrasings_sv",
        "term_en",
        "definition_en",
        "phrasings_en",
        "checked",
    ]
    answers = iter(["n", *[values[name] for name, _ in fields], "q"])
    out = io.StringIO()
    assert run("Maija", ask=lambda prompt: next(answers), out=out) == 0
    from studybots.review.editing import today

    assert load_catalogue(catalogue_dir).terms["hoas"].checked == today().isoformat()


def test_interactive_review_shows_the_guesses_by_name(editor_env):
    import io

    from studybots.review.interactive import run

    url, catalogue_dir, _ = editor_env
    answers = iter(["s", "q"])
    out = io.StringIO()
    assert run("Maija", ask=lambda prompt: next(answers), out=out) == 0
    shown = out.getvalue()
    assert "syy: botti piti kysymystä aiheen ulkopuolisena" in shown
    answers = iter(["s", "1", "q"])  # "kelan nettipalvelu": its first guess by name
    out = io.StringIO()
    assert run("Maija", ask=lambda prompt: next(answers), out=out) == 0
    assert "  1) OmaKela\n" in out.getvalue()
    assert "kelan nettipalvelu" in load_catalogue(catalogue_dir).term_phrasings["omakela"]


def test_a_change_whose_history_cannot_be_written_is_not_kept(editor_env):
    """apply_rows (the console's inbox): a change is in the catalogue only with its record."""
    from studybots.review.editing import apply_rows

    _, catalogue_dir, _ = editor_env
    hist = catalogue_dir.parent / "catalogue-history"
    row = {"bot": "tero", "question": "kelan nettipalvelu", "action": "map", "target": "omakela"}
    result, changed = apply_rows([row], catalogue_dir, "eeva", hist)
    assert changed == ["changes.csv", "terms/phrasings.csv"] and result.revision
    assert history.log(catalogue_dir, hist)[0].revision == result.revision
    before = {p: p.read_bytes() for p in catalogue_dir.rglob("*") if p.is_file()}
    (hist / "index.lock").write_text("")  # an operator's git at work, say
    row = {**row, "question": "mikä on hoas", "target": "tys"}
    with pytest.raises(history.HistoryError):
        apply_rows([row], catalogue_dir, "eeva", hist)
    assert {p: p.read_bytes() for p in catalogue_dir.rglob("*") if p.is_file()} == before
