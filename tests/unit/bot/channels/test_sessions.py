"""Socket.IO session ids: issued by the server, refused when a client made one up."""

from __future__ import annotations

import pytest

from studybots.bot.channels.sessions import SessionIds


def test_issued_ids_are_random_and_verified_by_any_worker_with_the_key():
    worker, other_worker = SessionIds(b"installation key"), SessionIds(b"installation key")
    ids = {worker.issue() for _ in range(1000)}
    assert len(ids) == 1000
    for session_id in list(ids)[:50]:
        assert len(session_id) == 64  # 128 random bits + a 128-bit tag, hex
        conversation = other_worker.verify(session_id)
        assert conversation == session_id[:32]
    assert len({i[:32] for i in ids}) == 1000


@pytest.mark.parametrize(
    "presented",
    [
        None,
        5,
        "",
        "a1b2c3d4e5f6a7b8",  # what a client used to choose
        "0123456789abcdef0123456789abcdef",  # the old uuid4().hex form
        "0" * 64,
        "<script>x</script>",
        "x" * 500,
    ],
)
def test_ids_the_server_did_not_issue_are_refused(presented):
    assert SessionIds(b"k").verify(presented) is None


def test_an_altered_id_or_another_installations_id_is_refused():
    ids = SessionIds(b"k")
    session_id = ids.issue()
    flipped = session_id[:5] + ("0" if session_id[5] != "0" else "1") + session_id[6:]
    assert ids.verify(flipped) is None
    assert ids.verify(session_id.upper()) is None
    assert ids.verify(session_id[:32]) is None  # the stored sender id alone is no session id
    assert SessionIds(b"another key").verify(session_id) is None
    with pytest.raises(ValueError):
        SessionIds(b"")
