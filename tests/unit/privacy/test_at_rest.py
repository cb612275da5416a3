"""studybots.privacy.at_rest: what the stores may write."""

from __future__ import annotations

from studybots.privacy import at_rest

KEY = b"at-rest-test-key"


def test_metadata_keeps_only_the_allowed_keys():
    sent = {
        "model_id": "m1",
        "assistant_id": "a1",
        "utter_action": "utter_greet",
        "nimi": "Matti",
        "user": {"id": "U123"},
        "page": "/x",
    }
    assert at_rest.metadata(sent) == {
        "model_id": "m1",
        "assistant_id": "a1",
        "utter_action": "utter_greet",
    }
    assert at_rest.metadata("not a dict") == {} and at_rest.metadata(None) == {}


def test_values_are_scrubbed_at_every_depth_keys_included():
    value = {"Matti Virtanen": ["soita 040 123 4567", {"x": "Hämeenkatu 12"}], "n": 3, "b": None}
    assert at_rest.value(value) == {
        "[NIMI]": ["soita [PUHELIN]", {"x": "[OSOITE]"}],
        "n": 3,
        "b": None,
    }


def test_metadata_inside_any_value_is_allow_listed():
    event = {"event": "user", "text": "moi", "parse_data": {"metadata": {"hetu": "131052-308T"}}}
    assert at_rest.event(event)["parse_data"]["metadata"] == {}


def test_deep_values_are_cut():
    deep: object = "131052-308T"
    for _ in range(200):
        deep = [deep]
    assert "131052-308T" not in str(at_rest.value(deep))


def test_session_metadata_slot_is_allow_listed():
    slot = {"event": "slot", "name": "session_started_metadata", "value": {"nimi": "Matti"}}
    assert at_rest.event(slot)["value"] is None
    slot["value"] = {"nimi": "Matti", "model_id": "m"}
    assert at_rest.event(slot)["value"] == {"model_id": "m"}


def test_event_is_not_changed_in_place():
    event = {"event": "user", "text": "hetu 131052-308T"}
    at_rest.event(event)
    assert event["text"] == "hetu 131052-308T"


def test_each_store_has_its_own_pseudonyms():
    keys = {
        at_rest.tracker_key("U1", KEY),
        at_rest.lock_key("U1", KEY),
        at_rest.log_key("U1", KEY),
    }
    assert len(keys) == 3 and all(len(k) == 32 and "U1" not in k for k in keys)


def test_log_row_text_is_scrubbed():
    row = at_rest.log_row({"text": "olen Matti Meikäläinen", "conversation": "c" * 32})
    assert row == {"text": "olen [NIMI]", "conversation": "c" * 32}
