"""The text search leaves the audience's own words out of a question."""

from __future__ import annotations

import numpy as np

from studybots.search.finder import ServiceFinder, ServiceInfo, without_audience


def _service(sid: str, name: str, description: str, relevance: float = 1.0) -> ServiceInfo:
    return ServiceInfo(sid, name, description, "", "", "curated", "Municipality", "853", relevance)


def test_audience_words_are_dropped_unless_nothing_else_is_left():
    assert without_audience("onks opiskelijoille halpoja salivuoroja") == "onks halpoja salivuoroja"
    assert without_audience("gym for students") == "gym for"
    assert without_audience("Opiskelijana Turussa") == "Turussa"
    assert without_audience("opiskelijoille") == "opiskelijoille"
    assert without_audience("opiskelija-asunto") == "opiskelija-asunto"  # a compound stays


def test_a_students_question_finds_the_gym_not_every_service_for_students():
    services = [
        _service("courses", "Suomen kielen kurssit opiskelijoille", "Kursseja opiskelijoille."),
        _service("housing", "Opiskelija-asunnot opiskelijoille", "Asuntoja opiskelijoille."),
        _service("gym", "Liikuntapalvelu", "Kuntosali ja salivuorot, halpa hinta."),
    ]
    finder = ServiceFinder(services, {}, {})
    ranked = [r.service.id for r in finder.rank("onks opiskelijoille halpoja salivuoroja", None)]
    assert ranked[:1] == ["gym"], ranked
    scores = finder.text_scores("opiskelijoille")
    assert scores is not None and float(np.max(scores[1])) > 0  # alone, the word still searches
