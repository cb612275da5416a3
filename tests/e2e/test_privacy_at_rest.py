"""Nothing a student types is stored in clear (issue 16, points 1 and 3).

Both bots run as real Rasa servers with the REST, Socket.IO and Slack
channels, their action server and the question log, all keeping their data
in one var directory. Students send an identity code, a phone number, an
e-mail address, an IBAN, a name and a street address, with client metadata,
over every channel to both bots. Then every file under the var directory
(SQLite databases with their -wal and -shm files, spool files, server logs,
the key) is read as bytes, while the servers run and again after they
stopped: none holds a raw value or a raw sender id, and the files with
personal data are readable by their owner only.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import stat
from pathlib import Path

import pytest

from studybots.core.settings import Settings
from tests.conftest import CATALOGUE, free_port
from tests.support.chat import post
from tests.support.log_rows import wait_for_rows
from tests.support.slack_double import SlackApiDouble, message_event, send_event
from tests.support.socketio_client import SocketIOClient

SECRETS = {"tero": "tero-signing-secret-privacy-0123", "paavo": "paavo-signing-secret-privacy-45"}

# What the students send: each value must be found nowhere on disk.
PERSONAL = [
    "131052-308T",
    "131052",
    "040 123 4567",
    "0401234567",
    "matti.meikalainen@utu.fi",
    "meikalainen@utu",
    "FI21 1234 5600 0007 85",
    "FI2112345600000785",
    "Meikäläinen",
    "Matti Meik",
    "Hämeenkatu 12",
    "20100 Turku",
    "Mehiläinen",
    "240147-632T",
]
CLIENT_METADATA_MARKER = "metamarker-" + secrets.token_hex(6)


def messages(marker: str) -> dict[str, str]:
    return {
        "tero": (
            f"mikä on kela {marker}? olen Matti Meikäläinen, hetuni on 131052-308T "
            "ja puhelin 040 123 4567"
        ),
        "paavo": (
            f"etsin asuntoa {marker}, asun Hämeenkatu 12 A 3, 20100 Turku, sähköposti "
            "matti.meikalainen@utu.fi, tili FI21 1234 5600 0007 85, numero 0401234567"
        ),
    }


METADATA = {
    "nimi": "Maija Mehiläinen",
    "hetu": "240147-632T",
    "tunniste": CLIENT_METADATA_MARKER,
    "sivu": "/opiskelu",
}


def forms(value: str) -> list[bytes]:
    """The ways a value can be on disk: UTF-8, and as JSON writes it."""
    escaped = json.dumps(value)[1:-1]
    return sorted({value.encode("utf-8"), escaped.encode("ascii")})


def scan(var: Path, values: list[str]) -> list[tuple[str, str]]:
    """(file, value) for every value found in any file under var."""
    found = []
    for path in sorted(p for p in var.rglob("*") if p.is_file()):
        try:
            data = path.read_bytes()
        except FileNotFoundError:  # a spool or -journal file that just went away
            continue
        for value in values:
            if any(form in data for form in forms(value)):
                found.append((str(path.relative_to(var)), value))
    return found


@pytest.fixture(scope="module")
def system(tmp_path_factory, models_dir, catalogue):
    from studybots.build.servicedb import build_database
    from studybots.ops import supervisor

    double = SlackApiDouble().start()
    root = tmp_path_factory.mktemp("privacy")
    shutil.copytree(CATALOGUE, root / "catalogue")
    database_url = f"sqlite:///{root / 'catalogue.db'}"  # outside var: public data
    build_database(catalogue, database_url)
    var = root / "var"
    settings = Settings(
        catalogue_dir=root / "catalogue",
        var_dir=var,
        database_url=database_url,
        action_port=free_port(),
        tero_port=free_port(),
        paavo_port=free_port(),
        model_port=free_port(),
    )
    environ = dict(
        os.environ,
        STUDYBOTS_VAR_DIR=str(var),
        TERO_SLACK_TOKEN="xoxb-tero-privacy",
        TERO_SLACK_SIGNING_SECRET=SECRETS["tero"],
        PAAVO_SLACK_TOKEN="xoxb-paavo-privacy",
        PAAVO_SLACK_SIGNING_SECRET=SECRETS["paavo"],
        SLACK_API_URL=double.url,
    )
    environ.pop("STUDYBOTS_LOG_KEY", None)
    for name in ("TERO_TRACKER_URL", "PAAVO_TRACKER_URL", "STUDYBOTS_LOG_URL"):
        environ.pop(name, None)
    logs = var / "logs"
    logs.mkdir(parents=True)
    specs = supervisor.server_specs(
        settings, models_dir=models_dir, with_web=False, log_dir=logs, environ=environ
    )
    supervisor.start(specs)
    try:
        yield {"settings": settings, "specs": specs, "double": double, "var": var}
    finally:
        supervisor.stop(specs)
        double.stop()


async def socketio_conversation(port: int, text: str) -> str:
    """One Socket.IO conversation; returns the session id (the sender id)."""
    client = SocketIOClient(f"http://127.0.0.1:{port}")
    await client.connect()
    try:
        await client.emit("session_request", {"session_id": None})
        session_id = await client.next_event("session_confirm", timeout=10)
        await client.emit(
            "user_uttered",
            {"message": text, "session_id": session_id, "metadata": METADATA},
        )
        await client.next_event("bot_uttered", timeout=60)
        await client.next_event("bot_done", timeout=60)
        return session_id
    finally:
        await client.close()


def test_no_personal_value_and_no_sender_id_is_stored_anywhere(system):
    from studybots.ops import supervisor

    settings, double, var = system["settings"], system["double"], system["var"]
    ports = {"tero": settings.tero_port, "paavo": settings.paavo_port}
    senders: list[str] = []
    markers: list[str] = []
    for bot, port in ports.items():
        # REST, with client metadata.
        marker = "zq" + secrets.token_hex(4)
        markers.append(marker)
        sender = f"rest-opiskelija-{secrets.token_hex(6)}"
        senders.append(sender)
        status, reply = post(
            port, {"sender": sender, "message": messages(marker)[bot], "metadata": METADATA}
        )
        assert status == 200 and reply, reply
        # A second message, so that Paavo's slots and the earlier turn are
        # stored and loaded again.
        status, reply = post(port, {"sender": sender, "message": "kiitos", "metadata": METADATA})
        assert status == 200, reply

        # Socket.IO, with client metadata.
        marker = "zq" + secrets.token_hex(4)
        markers.append(marker)
        senders.append(asyncio.run(socketio_conversation(port, messages(marker)[bot])))

        # Slack: the user and channel ids are the sender and the reply address.
        marker = "zq" + secrets.token_hex(4)
        markers.append(marker)
        user, channel = "U" + secrets.token_hex(5).upper(), "D" + secrets.token_hex(5).upper()
        senders += [user, channel]
        status, _, _ = send_event(
            port, SECRETS[bot], message_event(messages(marker)[bot], user, channel)
        )
        assert status == 200
        assert double.wait_posts(channel, 1), f"{bot} did not answer on Slack"

    # Every message is in the question log (scrubbed), so the data really went
    # through every store.
    for marker in markers:
        rows = wait_for_rows(settings.log_url, marker, 30)
        assert len(rows) == 1, (marker, rows)
        assert "[HETU]" in rows[0]["text"] or "[SÄHKÖPOSTI]" in rows[0]["text"], rows[0]
    names = {p.name for p in var.rglob("*")}
    assert {"log.db", "tracker-tero.db", "tracker-paavo.db", "log.key"} <= names, names
    assert any(n.endswith("-wal") for n in names), names

    needles = PERSONAL + senders + [CLIENT_METADATA_MARKER]
    assert scan(var, needles) == []  # while the servers run (WAL files in use)

    # Files with personal data are the owner's only.
    private = [
        p
        for p in var.rglob("*")
        if p.is_file()
        and (p.name.startswith(("log.db", "tracker-", "spool-")) or p.name == "log.key")
    ]
    assert private
    for path in private:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path

    supervisor.stop(system["specs"])
    assert scan(var, needles) == []  # and after they stopped (WAL checkpointed)
