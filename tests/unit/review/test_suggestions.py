"""Suggested phrasings: a frequent group goes to the guess it resembles most,
if near enough; a confident answer is suggested when another candidate is
within the margin; crisis groups, rare groups, existing phrasings and decided
questions are not. With made-up vectors, so that the rules are what is tested."""

from __future__ import annotations

from collections import Counter

import numpy as np

from studybots.review import suggestions
from studybots.review.groups import Group
from studybots.review.inbox import InboxItem, item_key, set_status
from tests.support.log_rows import write_log

ANGLES = {  # text -> angle: cosine similarity is the cosine of the difference
    "mikä on kela": 0.0,
    "kela-kortti": 1.0,
    "kela kortti hukassa": 0.95,  # nearest kela_kortti (0.05), then kela (0.95)
    "mikä virasto kela on": 0.02,  # clearly kela
    "kelan kortti vai kela": 0.5,  # as near to both
}
NAMES = {"tero": {"kela": "Kela", "kela_kortti": "Kela-kortti"}, "paavo": {}}


def embed(texts):
    return np.array([[np.cos(ANGLES.get(t, 3.0)), np.sin(ANGLES.get(t, 3.0))] for t in texts])


def catalogue(tmp_path):
    (tmp_path / "terms").mkdir(parents=True)
    (tmp_path / "services").mkdir()
    (tmp_path / "terms/phrasings.csv").write_text(
        "term_id,lang,text\nkela,fi,mikä on kela\nkela_kortti,fi,kela-kortti\n", encoding="utf-8"
    )
    (tmp_path / "services/need_phrasings.csv").write_text("need_id,lang,text\n", encoding="utf-8")
    return tmp_path


def one(question, count, guesses, **reasons):
    item = InboxItem("tero", question, count, Counter(reasons or {"suggest": count}))
    item.guesses.update({g: count - n for n, g in enumerate(guesses)})
    return Group("tero", [item])


def test_a_frequent_group_goes_to_the_guess_it_resembles_most(tmp_path):
    resemblance = suggestions.Resemblance(catalogue(tmp_path), embed)
    groups = [
        one("kela kortti hukassa", 5, ["kela", "kela_kortti"]),  # first guess kela: not it
        one("mikä virasto kela on", 4, ["kela"]),  # asked 4 times only
        one("en jaksa enää", 9, ["kela"], crisis=9),  # never a one-click phrasing
        one("mikä on HOAS", 7, ["kela", "kela_kortti"]),  # near no guess
    ]
    found = suggestions.frequent(groups, NAMES, resemblance)
    assert [(s.questions, s.target, s.count) for s in found] == [
        (["kela kortti hukassa"], "kela_kortti", 5)
    ]
    assert found[0].keys == [item_key("tero", "kela kortti hukassa")]


def test_a_confident_answer_near_another_candidate_is_suggested(tmp_path):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    both = ["termi_kela", "termi_kela_kortti"]
    write_log(
        url,
        tmp_path,
        [
            ("kela kortti hukassa", "answer", 0.9, None, both),  # nearer the other
            ("kela kortti hukassa", "answer", 0.8, None, both),
            ("kelan kortti vai kela", "answer", 0.9, None, both),  # within the margin
            ("mikä virasto kela on", "answer", 0.9, None, both),  # clearly the answer
            ("mikä on kela", "answer", 0.9, None, both),  # a phrasing already
            ("kela-kortti hukassa?", "answer", 0.1, None, both),  # unsure: the inbox's
            ("kelan kortti", "answer", 0.9, None, ["termi_kela"]),  # no other candidate
        ],
    )
    resemblance = suggestions.Resemblance(catalogue(tmp_path / "catalogue"), embed)
    found = suggestions.resembling(url, NAMES, resemblance)
    assert [(s.questions[0], s.target, s.other, s.count) for s in found] == [
        ("kela kortti hukassa", "kela", "kela_kortti", 2),
        ("kelan kortti vai kela", "kela", "kela_kortti", 1),
    ]
    assert found[0].lead < 0 and abs(found[1].lead) < suggestions.MARGIN
    # Once an editor has decided on it, it is no longer suggested.
    key = item_key("tero", "kela kortti hukassa")
    set_status(
        url,
        [
            {
                "key": key,
                "bot": "tero",
                "question": "kela kortti hukassa",
                "status": "resolved",
                "action": "map",
                "target": "kela_kortti",
                "editor": "eeva",
            }
        ],
    )
    again = suggestions.resembling(url, NAMES, resemblance)
    assert [s.questions[0] for s in again] == ["kelan kortti vai kela"]
