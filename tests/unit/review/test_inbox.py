"""The editors' review inbox groups what the bots did not handle well."""

from __future__ import annotations

import csv

from studybots.review.__main__ import main
from studybots.review.inbox import inbox, write_csv
from tests.support.log_rows import write_log


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
    with path.open(encoding="utf-8") as fh:
        exported = list(csv.DictReader(fh))
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
