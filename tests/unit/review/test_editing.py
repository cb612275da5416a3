"""Editors close the loop without programming: export the inbox, fill in the
sheet, import it; the catalogue changes (validated, shown as a diff) and the
decisions are recorded with the editor's name."""

from __future__ import annotations

import csv

import pytest

from studybots.catalogue.load import load_catalogue
from studybots.review.__main__ import main as review_main
from studybots.review.inbox import inbox
from tests.support.log_rows import write_log


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


def fill(path, edits: dict[str, dict[str, str]]) -> None:
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row.update(edits.get(row["question"], {}))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0].keys()), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


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

    assert inbox(url) == []  # nothing pending any more
    statuses = {i.question: i.status for i in inbox(url, statuses=("resolved", "ignored"))}
    assert statuses == {
        "mikä on hoas": "resolved",
        "kelan nettipalvelu": "resolved",
        "mikä on bitcoin": "ignored",
    }


def test_invalid_sheet_changes_nothing_and_says_where(editor_env, capsys):
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
    assert "inbox.csv, rivi" in err and "sarake 'action'" in err
    assert "Nothing was changed" in err
    fill(sheet, {"mikä on bitcoin": {"action": "", "editor": ""}})
    assert review_main(["--import", str(sheet)]) == 1
    err = capsys.readouterr().err
    assert "no_such_term" in err and "terms/phrasings.csv" in err
    assert "'hoas': 1 ilmaisua" in err
    assert {p: p.read_bytes() for p in catalogue_dir.rglob("*.csv")} == before
    assert len(inbox(url)) == 3  # still pending


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
    with sheet.open(encoding="utf-8") as fh:
        exported = {r["question"]: r["lang"] for r in csv.DictReader(fh)}
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
