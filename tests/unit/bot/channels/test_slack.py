"""The Slack channel's parts (unit level; tests/e2e/test_slack.py runs it for real)."""

from __future__ import annotations

from pathlib import Path

import pytest

from studybots.bot.channels.slack import (
    BUTTON_TITLE_CHARS,
    MAX_BUTTONS,
    OTHER_USER,
    SECTION_CHARS,
    SeenEvents,
    StudySlackInput,
    api_url,
    button_blocks,
    escape,
    slack_text_to_plain,
)
from studybots.core.settings import Settings
from studybots.ops import supervisor


@pytest.mark.parametrize(
    "raw,plain",
    [
        ("<@UBOT> mikä on kela", "mikä on kela"),
        ("mikä on kela <@UBOT>", "mikä on kela"),
        ("kysy <@U0123ABC|maija> &amp; <@W999>", f"kysy {OTHER_USER} & {OTHER_USER}"),
        (
            "katso <https://kela.fi|kela.fi> tai <https://yths.fi>",
            "katso kela.fi tai https://yths.fi",
        ),
        ("<mailto:a@b.fi|a@b.fi> <tel:+358401234567>", "a@b.fi +358401234567"),
        ("<#C123|yleinen> <#C456> <!here> <!subteam^S1|@opet>", "#yleinen #kanava @here @opet"),
        ("a &lt;b&gt; c\x07", "a <b> c"),
        ("<@UBOT>", ""),
    ],
)
def test_slack_markup_is_removed(raw, plain):
    assert slack_text_to_plain(raw, ["UBOT"]) == plain


def test_first_mention_is_the_bot_when_its_id_is_unknown():
    assert (
        slack_text_to_plain("<@UX1> mikä on <@UX2>", drop_first_mention=True)
        == f"mikä on {OTHER_USER}"
    )


def test_buttons_become_blocks():
    blocks = button_blocks(
        "Kela <x> & y\n\nhttps://kela.fi",
        [
            {"title": "👍", "payload": "/feedback_up"},
            {"title": "👎", "payload": "/feedback_down"},
            {"title": "", "payload": "/ignored"},
        ],
    )
    assert blocks[0] == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "Kela &lt;x&gt; &amp; y\n\nhttps://kela.fi"},
    }
    actions = blocks[-1]
    assert actions["type"] == "actions"
    assert [e["value"] for e in actions["elements"]] == ["/feedback_up", "/feedback_down"]
    assert len({e["action_id"] for e in actions["elements"]}) == 2
    assert actions["elements"][0]["text"] == {"type": "plain_text", "text": "👍", "emoji": True}


def test_blocks_stay_within_slack_limits():
    text = "\n".join(f"rivi {i} " + "x" * 200 for i in range(60)) + "\n" + "y" * 7000
    buttons = [{"title": "t" * 100, "payload": f"/p{i}"} for i in range(30)]
    blocks = button_blocks(text, buttons)
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(0 < len(s) <= SECTION_CHARS for s in sections)
    assert "".join(sections).replace("\n", "") == text.replace("\n", "")
    elements = blocks[-1]["elements"]
    assert len(elements) == MAX_BUTTONS
    assert all(len(e["text"]["text"]) <= BUTTON_TITLE_CHARS for e in elements)


def test_escape():
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"


def test_api_url(monkeypatch):
    monkeypatch.delenv("SLACK_API_URL", raising=False)
    assert api_url() == "https://slack.com/api/"
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")
    assert api_url() == "http://127.0.0.1:9/api/"
    assert api_url({"slack_api_url": "http://x/api/"}) == "http://x/api/"


def test_seen_events_are_shared_between_processes(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    worker1, worker2 = SeenEvents(url), SeenEvents(url)  # two workers, one database
    assert worker1.first_time(["message:D1:1.1", "event:Ev1"])
    assert not worker2.first_time(["message:D1:1.1", "event:Ev1"])  # a retry
    assert not worker2.first_time(["message:D1:1.1", "event:Ev2"])  # same message, new event id
    assert worker2.first_time(["message:D1:1.2", "event:Ev3"])
    with worker1.engine.connect() as c:
        stored = str(c.execute(SeenEvents.table.select()).fetchall())
    assert "D1" not in stored and "Ev1" not in stored  # only hashes


def test_channel_needs_token_and_signing_secret(tmp_path):
    from rasa.shared.exceptions import InvalidConfigException

    url = f"sqlite:///{tmp_path / 't.db'}"
    with pytest.raises(InvalidConfigException):
        StudySlackInput.from_credentials({"slack_token": "xoxb-1", "seen_events_url": url})
    with pytest.raises(InvalidConfigException):
        StudySlackInput.from_credentials({"slack_signing_secret": "s", "seen_events_url": url})
    channel = StudySlackInput.from_credentials(
        {
            "slack_token": "xoxb-1",
            "slack_signing_secret": "s",
            "seen_events_url": url,
            "slack_api_url": "http://127.0.0.1:9/api/",
        }
    )
    out = channel.get_output_channel("D1", "123.4")
    assert out.client.base_url == "http://127.0.0.1:9/api/" and out.thread_id == "123.4"


def settings(tmp_path) -> Settings:
    return Settings(
        catalogue_dir=tmp_path,
        var_dir=tmp_path / "var",
        database_url="sqlite://",
        action_port=1,
        tero_port=2,
        paavo_port=3,
    )


def bot_spec(specs, name):
    return next(s for s in specs if s.name == name)


def credentials_arg(spec) -> str:
    return spec.command[spec.command.index("--credentials") + 1]


def test_slack_is_off_without_its_variables(tmp_path):
    specs = supervisor.server_specs(settings(tmp_path), with_web=False, environ={})
    for bot in supervisor.BOTS:
        assert credentials_arg(bot_spec(specs, bot)).endswith(f"bots/{bot}/credentials.yml")


def test_slack_variables_enable_the_channel_without_writing_secrets(tmp_path):
    environ = {
        "TERO_SLACK_TOKEN": "xoxb-secret-token",
        "TERO_SLACK_SIGNING_SECRET": "abc123secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    specs = supervisor.server_specs(settings(tmp_path), with_web=False, environ=environ)
    tero, paavo = bot_spec(specs, "tero"), bot_spec(specs, "paavo")
    path = credentials_arg(tero)
    assert path == str(tmp_path / "var" / "credentials-tero.yml")
    content = Path(path).read_text(encoding="utf-8")
    assert "studybots.bot.channels.rest.SafeRestInput" in content
    assert "studybots.bot.channels.slack.StudySlackInput" in content
    assert "${TERO_SLACK_TOKEN}" in content and "${TERO_SLACK_SIGNING_SECRET}" in content
    assert "xoxb-secret-token" not in content and "abc123secret" not in content
    assert tero.env["TERO_SLACK_TOKEN"] == "xoxb-secret-token"
    assert tero.env["SLACK_API_URL"] == "http://127.0.0.1:9/api/"
    assert credentials_arg(paavo).endswith("bots/paavo/credentials.yml")


def test_generated_credentials_are_read_by_rasa(tmp_path, monkeypatch):
    import rasa.shared.utils.io

    monkeypatch.setenv("PAAVO_SLACK_TOKEN", "xoxb-p")
    monkeypatch.setenv("PAAVO_SLACK_SIGNING_SECRET", "0123456789")  # digits stay a string
    path = supervisor.credentials_file(settings(tmp_path), "paavo")
    read = rasa.shared.utils.io.read_config_file(str(path))
    assert read["studybots.bot.channels.slack.StudySlackInput"] == {
        "slack_token": "xoxb-p",
        "slack_signing_secret": "0123456789",
    }


@pytest.mark.parametrize(
    "environ", [{"TERO_SLACK_TOKEN": "xoxb-1"}, {"TERO_SLACK_SIGNING_SECRET": "s"}]
)
def test_half_a_slack_configuration_refuses_to_start(tmp_path, environ):
    with pytest.raises(supervisor.ConfigError, match="TERO_SLACK_"):
        supervisor.server_specs(settings(tmp_path), with_web=False, environ=environ)


@pytest.mark.parametrize("bot", supervisor.BOTS)
def test_slack_manifest_matches_the_channel(bot):
    import yaml

    from studybots.core.settings import PROJECT_ROOT

    manifest = yaml.safe_load((PROJECT_ROOT / "bots" / bot / "slack-manifest.yml").read_text())
    settings_ = manifest["settings"]
    assert set(settings_["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im"}
    assert {"app_mentions:read", "chat:write", "im:history", "im:read"} <= set(
        manifest["oauth_config"]["scopes"]["bot"]
    )
    assert settings_["interactivity"]["is_enabled"] is True
    for url in (
        settings_["event_subscriptions"]["request_url"],
        settings_["interactivity"]["request_url"],
    ):
        assert url.startswith("https://") and url.endswith("/webhooks/slack/webhook")
    assert manifest["features"]["bot_user"]["display_name"]
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert 174 <= len(manifest["display_information"]["long_description"]) <= 4000
    assert len(manifest["display_information"]["description"]) <= 140
