"""Cross-language matching: the question's language and its offset to Finnish."""

from __future__ import annotations

import numpy as np

from studybots.search import language


def test_code_labels_keep_rows_with_all_three_languages():
    rows = [
        {"fi": "Kirjastot", "sv": "Bibliotek", "en": "Libraries"},
        {"fi": "Museot", "sv": "", "en": "Museums"},
    ]
    assert language.code_labels(rows) == {
        "fi": ["Kirjastot"],
        "sv": ["Bibliotek"],
        "en": ["Libraries"],
    }


def test_a_question_moves_by_its_languages_offset_to_finnish():
    means = {
        "fi": np.array([1.0, 0.0, 0.0], np.float32),
        "sv": np.array([0.0, 1.0, 0.0], np.float32),
        "en": np.array([0.0, 0.0, 1.0], np.float32),
    }
    question = np.array([0.2, 0.1, 0.9], np.float32)
    lang, moved = language.to_finnish(question, means)
    assert lang == "en"
    assert np.isclose(np.linalg.norm(moved), 1.0)
    assert moved[0] > moved[2]  # now on the Finnish side
    fi_question = np.array([0.9, 0.1, 0.1], np.float32)
    assert language.to_finnish(fi_question, means) == ("fi", fi_question)
    assert language.nearest(question, {}) == "fi"


def test_means_are_of_normalised_vectors():
    labels = {"fi": ["a", "b"], "sv": ["c", "d"]}
    vectors = {"a": [2.0, 0.0], "b": [0.0, 3.0], "c": [1.0, 0.0], "d": [1.0, 0.0]}
    means = language.means(labels, lambda texts: np.array([vectors[t] for t in texts]))
    assert np.allclose(means["fi"], [0.5, 0.5]) and np.allclose(means["sv"], [1.0, 0.0])
