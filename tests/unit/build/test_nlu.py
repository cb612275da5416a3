"""Generated NLU data is marked, deterministic, up to date and complete."""

from __future__ import annotations

import yaml

from studybots.build import nlu
from studybots.catalogue.load import load_catalogue
from studybots.core.settings import PROJECT_ROOT


def test_generated_files_are_committed_and_up_to_date(catalogue):
    for rel, content in nlu.render(catalogue).items():
        assert (PROJECT_ROOT / rel).read_text(encoding="utf-8") == content, (
            f"{rel} is out of date: run `make generate`"
        )


def test_generation_is_deterministic(catalogue):
    again = nlu.render(load_catalogue(catalogue.directory))
    assert again == nlu.render(catalogue)


def test_every_file_is_marked_generated(catalogue):
    for rel, content in nlu.render(catalogue).items():
        assert content.startswith("# GENERATED"), rel


def test_each_term_and_need_becomes_an_intent_with_its_phrasings(catalogue):
    files = nlu.render(catalogue)
    items = yaml.safe_load(files["data/nlu/tero/terms.generated.yml"])["nlu"]
    by_intent = {item["intent"]: item["examples"] for item in items}
    assert set(by_intent) == {f"termi_{t}" for t in catalogue.terms}
    kela = by_intent["termi_kela"].casefold()
    for phrasing in catalogue.term_phrasings["kela"]:  # duplicates are dropped case-insensitively
        assert f"- {' '.join(phrasing.split()).casefold()}\n" in kela
    needs = yaml.safe_load(files["data/nlu/paavo/needs.generated.yml"])["nlu"]
    assert {item["intent"] for item in needs} == {f"tarve_{n}" for n in catalogue.needs}
    domain = yaml.safe_load(files["bots/tero/domain/terms.generated.yml"])
    assert len(domain["intents"]) == len(catalogue.terms)
    rules = yaml.safe_load(files["bots/paavo/rules/needs.generated.yml"])["rules"]
    assert all(r["steps"][1] == {"action": "action_find_services"} for r in rules)


def test_definitions_are_not_in_training_data(catalogue):
    """Answers come from the catalogue at run time: no retraining for text edits."""
    files = "".join(nlu.render(catalogue).values())
    for term in list(catalogue.terms.values())[:10]:
        assert term.definition not in files


def test_generation_check_mode_detects_stale_files(catalogue_copy, monkeypatch, capsys):
    monkeypatch.setenv("STUDYBOTS_CATALOGUE_DIR", str(catalogue_copy))
    assert nlu.main(["--check"]) == 0
    with (catalogue_copy / "terms" / "phrasings.csv").open("a", encoding="utf-8") as fh:
        fh.write("kela,fi,kelan konttori aukioloajat turussa\n")
    assert nlu.main(["--check"]) == 1
    assert "data/nlu/tero/terms.generated.yml" in capsys.readouterr().out


def test_generation_refuses_invalid_catalogue(catalogue_copy, monkeypatch):
    monkeypatch.setenv("STUDYBOTS_CATALOGUE_DIR", str(catalogue_copy))
    (catalogue_copy / "terms" / "terms.csv").write_text("id\n", encoding="utf-8")
    assert nlu.main(["--check"]) == 1


def test_life_event_texts_become_the_bots_responses(catalogue):
    files = nlu.render(catalogue)
    for bot in ("tero", "paavo"):
        domain = yaml.safe_load(files[f"bots/{bot}/domain/texts.generated.yml"])
        variations = domain["responses"]["utter_greet"]
        # The default language last, without a condition; each other language
        # by the slot; each names its language for the channels.
        expected = catalogue.meta["texts"][bot]["utter_greet"]
        assert variations[-1] == {
            "text": " ".join(expected.split()),
            "metadata": {"language": catalogue.language},
        }
        for lang, variation in zip(catalogue.languages[1:], variations):
            translated = catalogue.meta[f"texts_{lang}"][bot]["utter_greet"]
            assert variation == {
                "text": " ".join(translated.split()),
                "condition": [{"type": "slot", "name": "language", "value": lang}],
                "metadata": {"language": lang},
            }
        assert len(variations) == len(catalogue.languages)
        assert all(name.startswith("utter_") for name in domain["responses"])
    hand_written = (PROJECT_ROOT / "bots" / "tero" / "domain" / "persona.yml").read_text()
    assert "utter_greet:" not in hand_written  # one place for the texts: the catalogue


def test_every_hand_written_response_names_its_language():
    for bot in ("tero", "paavo"):
        domain = yaml.safe_load(
            (PROJECT_ROOT / "bots" / bot / "domain" / "persona.yml").read_text()
        )
        for name, variations in domain["responses"].items():
            for variation in variations:
                conditions = variation.get("condition") or []
                lang = next((c["value"] for c in conditions if c["name"] == "language"), "fi")
                assert variation["metadata"] == {"language": lang}, (bot, name)
