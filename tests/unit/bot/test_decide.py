"""What the bots do with an NLU result (shared by actions and `make eval`)."""

from __future__ import annotations

from studybots.bot.decide import Thresholds, decide_need, decide_term

T = Thresholds(answer=0.25, suggest=0.08, max_suggestions=3)


def parse(*ranking: tuple[str, float]) -> dict:
    intents = [{"name": n, "confidence": c} for n, c in ranking]
    return {"intent": intents[0], "intent_ranking": intents}


def test_confident_term_is_answered():
    assert decide_term(parse(("termi_kela", 0.6), ("termi_omakela", 0.2)), T).term_id == "kela"


def test_unsure_gives_two_or_three_guesses():
    d = decide_term(
        parse(
            ("nlu_fallback", 0.15),
            ("termi_kela", 0.12),
            ("termi_omakela", 0.03),
            ("termi_kela_kortti", 0.02),
        ),
        T,
    )
    assert d.kind == "suggest" and d.suggestions == ("kela", "omakela")
    d = decide_term(
        parse(("termi_a", 0.2), ("termi_b", 0.15), ("termi_c", 0.1), ("termi_d", 0.09)), T
    )
    assert d.suggestions == ("a", "b", "c")


def test_nothing_likely_is_out_of_scope():
    assert (
        decide_term(parse(("nlu_fallback", 0.15), ("termi_kela", 0.05)), T).kind == "out_of_scope"
    )
    assert decide_term(parse(("out_of_scope", 0.9), ("termi_kela", 0.05)), T).kind == "out_of_scope"
    assert decide_term({}, T).kind == "out_of_scope"


def test_need_is_trusted_only_when_sure():
    assert decide_need(parse(("tarve_asunto", 0.5)), T).need_id == "asunto"
    d = decide_need(
        parse(("nlu_fallback", 0.15), ("tarve_asunto", 0.1), ("tarve_kirjasto", 0.09)), T
    )
    assert d.need_id is None and d.alternatives == ("asunto", "kirjasto")


def near(kind: str, *ranking: tuple[str, float]) -> dict:
    return {**parse(*ranking), "request_kind": {"kind": kind, "score": 0.8}}


def test_a_near_miss_offers_its_terms_even_when_off_topic_ranks_first():
    ranking = (("out_of_scope", 0.6), ("termi_tyy", 0.1), ("termi_tuo", 0.05))
    assert decide_term(parse(*ranking), T).kind == "out_of_scope"
    d = decide_term(near("detail", *ranking), T)
    assert d.kind == "suggest" and d.suggestions == ("tyy", "tuo")
    lower = Thresholds(answer=0.25, suggest=0.08, near_miss_suggest=0.04)
    d = decide_term(near("action", ("out_of_scope", 0.8), ("termi_yths", 0.05)), lower)
    assert d.kind == "suggest" and d.suggestions == ("yths",)
    assert decide_term(near("none", ("out_of_scope", 0.8), ("termi_yths", 0.05)), lower).kind == (
        "out_of_scope"
    )


def test_a_near_miss_with_no_likely_term_is_out_of_scope():
    d = decide_term(near("detail", ("out_of_scope", 0.9), ("termi_tyy", 0.01)), T)
    assert d.kind == "out_of_scope"


def test_off_topic_gets_services_only_for_a_strong_match():
    from studybots.bot.decide import STRONG_MATCH, searches_anyway, shows_services

    def parse(name: str) -> dict:
        return {"intent": {"name": name, "confidence": 0.9}}

    assert shows_services(parse("tarve_asunto")) and shows_services(parse("nlu_fallback"))
    assert searches_anyway(parse("out_of_scope")) and not searches_anyway(parse("greet"))
    assert not shows_services(parse("out_of_scope"), STRONG_MATCH - 0.01)
    assert shows_services(parse("out_of_scope"), STRONG_MATCH)
    assert shows_services(parse("what_can_you_do"), 0.9)
    for small_talk in ("affirm", "thanks", "crisis"):
        assert not shows_services(parse(small_talk), 1.0)
