"""The editors' review inbox groups what the bots did not handle well."""

from __future__ import annotations

from studybots.review.__main__ import main
from studybots.review.inbox import inbox, write_csv
from tests.support.log_rows import write_log
from tests.support.sheets import read_sheet


def test_same_question_shows_once_with_count_reasons_and_guesses(tmp_path):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    asked = [("Mikä on HOAS?", "out_of_scope", 0.4, None, ["out_of_scope", "termi_tys"])] * 19
    asked += [
        ("mikä on hoas", "suggest", 0.2, None, ["nlu_fallback", "termi_tys", "termi_soluasunto"])
    ]
    asked += [("mikä on kela", "answer", 0.95, None, ["termi_kela"])] * 5  # handled: not listed
    asked += [("mikä on kela", "answer", 0.9, "down", ["termi_kela"])]  # 👎: listed
    asked += [("mikä on föli", "answer", 0.1, None, ["termi_foli"])]  # unsure answer
    asked += [("/feedback_down", "feedback", 1.0, None, ["feedback_down"])]
    write_log(url, tmp_path, asked)
    items = inbox(url)
    rows = [i.as_row() for i in items]
    assert [(r["question"], r["count"]) for r in rows] == [
        ("Mikä on HOAS?", "20"),
        ("mikä on föli", "1"),
        ("mikä on kela", "1"),
    ]
    assert rows[0]["reasons"] == "out_of_scope;suggest"
    assert rows[0]["best_guesses"].split(";")[0] == "tys"
    assert rows[1]["reasons"] == "low_confidence"
    assert rows[2]["reasons"] == "thumbs_down"

    path = tmp_path / "inbox.csv"
    write_csv(items, path)
    _, exported = read_sheet(path)
    assert exported[0]["question"] == "Mikä on HOAS?" and exported[0]["count"] == "20"


def test_review_command(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    monkeypatch.setenv("STUDYBOTS_LOG_URL", url)
    assert main([]) == 0
    assert "Ei käsiteltäviä" in capsys.readouterr().out
    write_log(url, tmp_path, [("mikä on hoas", "out_of_scope", 0.5, None, ["out_of_scope"])] * 3)
    assert main(["--bot", "tero"]) == 0
    assert "3× [tero] mikä on hoas" in capsys.readouterr().out


def test_bidirectional_controls_never_reach_the_editors(tmp_path):
    """A row logged before the channels removed them still shows in its real order."""
    url = f"sqlite:///{tmp_path / 'log.db'}"
    write_log(
        url, tmp_path, [("mikä on \u202easeniksam\u202c hoas", "out_of_scope", 0.4, None, [])]
    )
    (item,) = inbox(url)
    assert item.question == "mikä on aseniksam hoas"
    path = tmp_path / "inbox.csv"
    write_csv([item], path)
    assert "\u202e" not in path.read_text(encoding="utf-8")


def test_the_sheet_speaks_the_editors_language(tmp_path, monkeypatch):
    """Names instead of ids, reasons in Finnish, Helsinki time (issue 14); the
    machine codes stay in their own column."""
    from studybots.catalogue.load import load_catalogue
    from studybots.catalogue.tables import read_table
    from studybots.core.settings import PROJECT_ROOT
    from studybots.review.inbox import target_names

    url = f"sqlite:///{tmp_path / 'log.db'}"
    write_log(
        url,
        tmp_path,
        [("voiko botti auttaa", "suggest", 0.2, "down", ["nlu_fallback", "what_can_you_do"])]
        + [("jätteet tyy", "suggest", 0.2, None, ["nlu_fallback", "termi_tyy", "termi_jatteet"])],
    )
    path = tmp_path / "inbox.csv"
    names = target_names(PROJECT_ROOT / "catalogue")
    write_csv(inbox(url), path, names)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfbot;question;") and b"\r\n" in data
    table = read_table(path)
    assert table.format.delimiter == ";"
    rows = {r.cells["question"]: r.cells for r in table.rows}

    terms = load_catalogue(PROJECT_ROOT / "catalogue").terms
    guesses = rows["jätteet tyy"]["best_guesses"]
    assert guesses == f"{terms['tyy'].term}; {terms['jatteet'].term}"
    assert "tyy;" not in guesses and "jatteet" not in guesses
    assert rows["voiko botti auttaa"]["best_guesses"] == ""  # small talk is no term to map to
    assert "can_you_do" not in path.read_text(encoding="utf-8-sig")

    assert rows["voiko botti auttaa"]["reasons"] == (
        "botti ei ollut varma ja tarjosi vaihtoehtoja; opiskelija antoi 👎"
    )
    assert rows["voiko botti auttaa"]["reason_codes"] == "suggest;thumbs_down"
    # Logged at 10:00 UTC on 1 September: 13:00 in Turku (summer time).
    assert rows["voiko botti auttaa"]["first_seen"] == "2026-09-01 13:00"
    assert rows["voiko botti auttaa"]["status"] == "odottaa"


def test_the_sheet_can_be_written_with_commas(tmp_path):
    from studybots.catalogue.tables import read_table

    url = f"sqlite:///{tmp_path / 'log.db'}"
    write_log(url, tmp_path, [("mikä on hoas", "out_of_scope", 0.5, None, ["out_of_scope"])])
    path = tmp_path / "inbox.csv"
    write_csv(inbox(url), path, delimiter=",")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfbot,question,")
    assert read_table(path).rows[0].cells["reasons"] == "botti piti kysymystä aiheen ulkopuolisena"


def test_the_console_shows_names_and_finnish_reasons(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    monkeypatch.setenv("STUDYBOTS_LOG_URL", url)
    write_log(
        url, tmp_path, [("kelan juttu", "suggest", 0.2, None, ["nlu_fallback", "termi_kela"])]
    )
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "syy: botti ei ollut varma ja tarjosi vaihtoehtoja" in out
    assert "arvaukset: Kela" in out and "termi_kela" not in out
    sheet = tmp_path / "viikko.csv"
    assert main(["--csv", str(sheet)]) == 0
    assert "1 kysymys kirjoitettu tiedostoon" in capsys.readouterr().out
