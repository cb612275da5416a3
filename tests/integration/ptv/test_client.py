"""The PTV HTTP client against a local stand-in of the open API: paging,
retries after a transient 503, incremental imports by 'modified', --save."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studybots.core import db
from studybots.ptv.__main__ import main as cli
from studybots.ptv.client import FetchError, PtvClient
from studybots.services.model import ServiceChannelRow, ServiceRow
from tests.support.ptv_helpers import CHANNEL_FILE, SERVICE_FILE, SERVICES_FILE, load, variant

PAGE_SIZE = 2


class FakePtv:
    """Serves fixture JSON as /api/v11/{Service|ServiceChannel}/list/area/
    Municipality/code/853?page=N; fails chosen requests with 503."""

    def __init__(self):
        services = [load(SERVICE_FILE), *load(SERVICES_FILE).values()]
        services += [variant(load(SERVICE_FILE), i) for i in range(3)]
        self.items = {"Service": services, "ServiceChannel": [load(CHANNEL_FILE)]}
        self.fail_next: dict[tuple[str, int], int] = {}  # (kind, page) -> 503s left
        self.requests: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.requests.append(self.path)
                parsed = urlparse(self.path)
                parts = parsed.path.strip("/").split("/")
                if (
                    len(parts) != 8
                    or parts[:2] != ["api", "v11"]
                    or parts[3:7] != ["list", "area", "Municipality", "code"]
                    or parts[2] not in fake.items
                    or parts[7] != "853"
                ):
                    self.send_error(404)
                    return
                kind = parts[2]
                page = int(parse_qs(parsed.query).get("page", ["1"])[0])
                if fake.fail_next.get((kind, page), 0) > 0:
                    fake.fail_next[(kind, page)] -= 1
                    self.send_response(503)
                    self.send_header("Retry-After", "0")
                    self.end_headers()
                    return
                items = fake.items[kind]
                count = max(1, -(-len(items) // PAGE_SIZE))
                body = json.dumps(
                    {
                        "pageNumber": page,
                        "pageSize": PAGE_SIZE,
                        "pageCount": count,
                        "itemList": items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v11"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def fake_ptv():
    with FakePtv() as fake:
        yield fake


def test_pages_are_followed_and_a_503_is_retried(fake_ptv):
    fake_ptv.fail_next[("Service", 2)] = 1
    sleeps = []
    client = PtvClient(fake_ptv.base_url, backoff=0.01, sleep=sleeps.append)
    pages = list(client.municipality_pages("853"))
    assert [p["pageNumber"] for p in pages] == [1, 2, 3]
    assert sum(len(p["itemList"]) for p in pages) == 5
    assert client.retried == 1 and len(sleeps) == 1
    assert [r for r in fake_ptv.requests if "page=2" in r] == [
        "/api/v11/Service/list/area/Municipality/code/853?page=2"
    ] * 2


def test_persistent_failure_and_bad_answers_raise_fetch_error(fake_ptv):
    fake_ptv.fail_next[("Service", 1)] = 10
    client = PtvClient(fake_ptv.base_url, retries=2, backoff=0.0, sleep=lambda s: None)
    with pytest.raises(FetchError, match="no answer after 3 tries .*HTTP 503"):
        list(client.municipality_pages("853"))
    with pytest.raises(FetchError, match="HTTP 404"):
        list(client.municipality_pages("999"))
    dead = PtvClient(
        "http://127.0.0.1:9/api/v11", retries=1, backoff=0.0, sleep=lambda s: None, timeout=2
    )
    with pytest.raises(FetchError, match="ConnectionError"):
        list(dead.municipality_pages("853"))


def test_cli_imports_a_municipality_incrementally(fake_ptv, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'api.db'}"
    fake_ptv.fail_next[("Service", 3)] = 1
    args = [
        "import",
        "--municipality",
        "853",
        "--base-url",
        fake_ptv.base_url,
        "--database-url",
        url,
        "--no-progress",
    ]
    assert cli(args + ["--save", str(tmp_path / "saved")]) == 0
    out = capsys.readouterr().out
    assert "services: 5 added" in out and "channels: 1 added" in out
    saved = sorted(p.name for p in (tmp_path / "saved").iterdir())
    assert saved == [
        "service-853-page-0001.json",
        "service-853-page-0002.json",
        "service-853-page-0003.json",
        "servicechannel-853-page-0001.json",
    ]
    assert "GENERATED" in json.loads((tmp_path / "saved" / saved[0]).read_text())["_generated"]

    # Again, only what was modified after the newest 'modified' seen: nothing.
    assert cli(args + ["--since", "auto"]) == 0
    out = capsys.readouterr().out
    assert "6 not modified since" in out and "0 changed in all" in out

    # One service changes upstream: only it is read and rewritten.
    changed = fake_ptv.items["Service"][1]
    changed["modified"] = "2030-01-01T00:00:00"
    changed["serviceNames"][0]["value"] = "Yksilöllistetty oppimäärä (päivitetty)"
    assert cli(args + ["--since", "auto"]) == 0
    out = capsys.readouterr().out
    assert "1 changed, 0 unchanged" in out and "1 changed in all" in out
    engine = db.engine(url)
    with Session(engine, future=True) as session:
        assert session.get(ServiceRow, changed["id"]).name.endswith("(päivitetty)")
        assert session.execute(select(func.count()).select_from(ServiceRow)).scalar_one() == 5
        assert (
            session.execute(select(func.count()).select_from(ServiceChannelRow)).scalar_one() == 1
        )
    engine.dispose()
    # The saved pages import as files too, and change nothing.
    assert (
        cli(["import", "--files", str(tmp_path / "saved"), "--database-url", url, "--no-progress"])
        == 0
    )
    out = capsys.readouterr().out
    assert "1 changed," in out and "1 changed in all" in out  # the saved copy is the older one


def test_cli_reports_an_unreachable_api(fake_ptv, tmp_path, capsys):
    fake_ptv.fail_next[("Service", 1)] = 100
    assert (
        cli(
            [
                "import",
                "--municipality",
                "853",
                "--base-url",
                fake_ptv.base_url,
                "--database-url",
                f"sqlite:///{tmp_path / 'x.db'}",
                "--retries",
                "0",
                "--no-progress",
            ]
        )
        == 1
    )
    assert "PTV import stopped" in capsys.readouterr().err
