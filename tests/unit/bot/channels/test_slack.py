"""The Slack channel's parts (unit level; tests/e2e/test_slack.py runs it for real)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from studybots.bot.channels import cards
from studybots.bot.channels.slack import (
    BUTTON_TITLE_CHARS,
    MAX_BLOCKS,
    MAX_BUTTONS,
    OTHER_USER,
    SECTION_CHARS,
    SeenEvents,
    StudySlackBot,
    StudySlackInput,
    api_url,
    button_blocks,
    escape,
    service_blocks,
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


FEEDBACK = [
    {"title": "👍 Hyödyllinen", "payload": "/feedback_up"},
    {"title": "👎 Ei auttanut", "payload": "/feedback_down"},
]


def services_payload(services, **extra):
    return cards.build(
        extra.pop("intro", "Nämä palvelut voisivat auttaa:"),
        services,
        link_label="Palvelun sivu",
        **extra,
    )


def test_service_cards_become_a_section_with_a_link_button_each():
    payload = services_payload(
        [
            {
                "name": "Yleinen asumistuki",
                "provider": "Kela",
                "description": "Kela maksaa asumistukea. Toinen lause.",
                "url": "https://www.kela.fi/yleinen-asumistuki",
            },
            {"name": "Ilman linkkiä", "provider": "", "description": "", "url": ""},
        ],
        glossary=[("Kela", "Kansaneläkelaitos.")],
        attribution="Palveluiden tiedot: Palvelutietovaranto (CC BY 4.0).",
    )
    blocks = service_blocks(payload, FEEDBACK)
    assert [b["type"] for b in blocks] == [
        "section",
        "section",
        "section",
        "section",
        "context",
        "actions",
    ]
    assert blocks[0]["text"]["text"] == "Nämä palvelut voisivat auttaa:"
    assert blocks[1]["text"] == {
        "type": "mrkdwn",
        "text": "*Yleinen asumistuki*\nKela\nKela maksaa asumistukea.",
    }
    assert blocks[1]["accessory"] == {
        "type": "button",
        "action_id": "studybots_link_0",
        "text": {"type": "plain_text", "emoji": True, "text": "Palvelun sivu"},
        "url": "https://www.kela.fi/yleinen-asumistuki",
    }
    assert blocks[2]["text"]["text"] == "*Ilman linkkiä*" and "accessory" not in blocks[2]
    assert blocks[3]["text"]["text"] == "*Kela* = Kansaneläkelaitos."
    # The attribution once, small, after the services.
    assert blocks[4]["elements"] == [
        {"type": "mrkdwn", "text": "Palveluiden tiedot: Palvelutietovaranto (CC BY 4.0)."}
    ]
    assert json.dumps(blocks).count("Palvelutietovaranto") == 1
    assert [e["value"] for e in blocks[5]["elements"]] == ["/feedback_up", "/feedback_down"]
    assert len({b.get("block_id") for b in blocks if b.get("block_id")}) == 3


def test_service_blocks_escape_hostile_text_and_drop_bad_links():
    payload = services_payload(
        [
            {
                "name": "<https://evil.example|Kela> <!channel> & <@U123>",
                "provider": "<script>alert(1)</script>",
                "description": "Katso <https://evil.example|tästä>.",
                "url": "javascript:alert(1)",
            },
            {"name": "Data", "provider": "", "description": "", "url": "data:text/html,x"},
        ],
        glossary=[("<b>Kela</b>", "<!here> & muut.")],
    )
    text = json.dumps(service_blocks(payload, FEEDBACK), ensure_ascii=False)
    assert "<" not in text and ">" not in text  # no Slack link, mention or HTML survives
    assert "&lt;https://evil.example|Kela&gt; &lt;!channel&gt; &amp; &lt;@U123&gt;" in text
    assert "accessory" not in text and "javascript" not in text and "data:" not in text


def test_a_link_without_its_own_label_shows_the_host_not_the_address():
    payload = cards.read(
        {
            "studybots": "services",
            "services": [{"name": "Kela", "url": "https://www.kela.fi/" + "x" * 200}],
        }
    )
    button = service_blocks(payload)[0]["accessory"]
    assert button["text"]["text"] == "kela.fi"


def test_service_blocks_stay_within_slack_limits():
    long = "&<>" * 2000
    payload = {
        "studybots": "services",
        "intro": long,
        "services": [
            {
                "name": long,
                "provider": long,
                "summary": long,
                "url": "https://kela.fi/",
                "link_label": "L" * 200,
            }
        ]
        * 80,
        "glossary": [{"term": long, "definition": long}] * 5,
        "attribution": long,
    }
    blocks = service_blocks(payload, FEEDBACK * 20)  # unchecked, as a test of the renderer
    assert len(blocks) <= MAX_BLOCKS
    assert blocks[-1]["type"] == "actions" and blocks[-2]["type"] == "context"
    for block in blocks:
        texts = [block["text"]["text"]] if "text" in block else []
        texts += [e["text"] for e in block.get("elements", []) if e["type"] == "mrkdwn"]
        for text in texts:
            assert 0 < len(text) <= SECTION_CHARS
            assert not text.rstrip("…*").endswith(("&", "&a", "&am", "&amp", "&l", "&lt", "&g"))
        for element in [block.get("accessory")] + block.get("elements", []):
            if element and element["type"] == "button":
                assert len(element["text"]["text"]) <= BUTTON_TITLE_CHARS
    # A checked payload is far within them.
    checked = cards.read(payload)
    assert len(service_blocks(checked, FEEDBACK)) == 1 + cards.MAX_SERVICES + 1 + 1 + 1


class RecordingClient:
    def __init__(self):
        self.posts = []

    async def chat_postMessage(self, **kwargs):
        self.posts.append(kwargs)


def test_a_cards_message_is_one_slack_post_with_blocks_and_the_plain_text():
    bot = StudySlackBot("xoxb-test", "D123", thread_id="1700000000.000100")
    bot.client = RecordingClient()
    payload = services_payload(
        [{"name": "Kela", "provider": "", "description": "Tukia.", "url": "https://kela.fi"}]
    )
    message = {
        "text": cards.plain_text(payload),
        "buttons": FEEDBACK,
        "custom": payload,
        "image": None,
        "attachment": None,
    }
    asyncio.run(bot.send_response("U1", message))
    assert len(bot.client.posts) == 1
    post = bot.client.posts[0]
    assert post["channel"] == "D123" and post["thread_ts"] == "1700000000.000100"
    assert post["text"] == cards.plain_text(payload)
    assert post["blocks"] == service_blocks(payload, FEEDBACK)
    assert "studybots" not in post  # the payload itself is never a chat.postMessage argument

    # Any other reply still goes out as before.
    asyncio.run(bot.send_response("U1", {"text": "Hei <b>", "buttons": FEEDBACK}))
    assert bot.client.posts[1]["blocks"] == button_blocks("Hei <b>", FEEDBACK)


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
