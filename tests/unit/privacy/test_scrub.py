"""Tests for studybots.privacy.scrub: scrubbing personal data from logged messages,
pseudonymising sender ids and loading the pseudonymisation key."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from studybots.privacy import pseudonyms
from studybots.privacy.pseudonyms import load_key, pseudonym
from studybots.privacy.scrub import ADDRESS, EMAIL, HETU, IBAN, PHONE, scrub

# ---------------------------------------------------------------------------
# Helpers: the check-character algorithms, written out independently of the
# module so that the test data is computed, not guessed.
# ---------------------------------------------------------------------------

HETU_CHECK_CHARS = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def hetu_check(ddmmyy: str, individual: str) -> str:
    return HETU_CHECK_CHARS[int(ddmmyy + individual) % 31]


def make_hetu(ddmmyy: str, sign: str, individual: str) -> str:
    return f"{ddmmyy}{sign}{individual}{hetu_check(ddmmyy, individual)}"


def wrong_check(code: str) -> str:
    """The same code with a different, still well-formed check character."""
    right = code[-1]
    other = next(c for c in HETU_CHECK_CHARS if c != right)
    return code[:-1] + other


def iban_checksum_ok(iban: str) -> bool:
    compact = iban.replace(" ", "").upper()
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


HETU_1900 = make_hetu("131052", "-", "308")  # the classic example
HETU_2000 = make_hetu("010203", "A", "123")
HETU_1800 = make_hetu("240875", "+", "045")
HETU_NEW_SIGN = make_hetu("150799", "Y", "234")  # new 1900s sign (2023-)
HETU_2000_E = make_hetu("291204", "E", "916")  # new 2000s sign, leap day


def test_check_character_algorithm_matches_the_known_example():
    assert HETU_1900 == "131052-308T"


@pytest.mark.parametrize("code", [HETU_1900, HETU_2000, HETU_1800, HETU_NEW_SIGN, HETU_2000_E])
def test_valid_hetu_is_replaced(code):
    assert scrub(f"mun hetu on {code} ok?") == f"mun hetu on {HETU} ok?"


@pytest.mark.parametrize("code", [HETU_1900, HETU_2000, HETU_NEW_SIGN])
def test_hetu_with_wrong_check_character_is_still_replaced(code):
    typo = wrong_check(code)
    assert typo != code
    assert scrub(f"hetu {typo}, kiitos") == f"hetu {HETU}, kiitos"


def test_lower_case_hetu_is_replaced():
    assert scrub(f"hetu {HETU_2000.lower()}") == f"hetu {HETU}"


@pytest.mark.parametrize(
    "code",
    [
        make_hetu("310252", "-", "308"),  # 31 February
        make_hetu("290201", "A", "123"),  # 29 February 2001, not a leap year
        make_hetu("011352", "-", "308"),  # month 13
        make_hetu("000152", "-", "308"),  # day 0
    ],
)
def test_hetu_shape_with_impossible_date_is_kept(code):
    text = f"koodi {code} tässä"
    assert scrub(text) == text


@pytest.mark.parametrize(
    "text",
    [
        f"x{HETU_1900}",  # glued to a word
        f"{HETU_1900}5",  # part of a longer number
        f"9{HETU_1900}",
        "131052-308G",  # G is never a check character
    ],
)
def test_hetu_inside_other_tokens_is_kept(text):
    assert scrub(text) == text


# ---------------------------------------------------------------------------
# Realistic messages: each personal item replaced, the rest intact.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "mun hetu on 131052-308T ja puhelin 040 123 4567",
            f"mun hetu on {HETU} ja puhelin {PHONE}",
        ),
        ("soita +358 50 765 4321", f"soita {PHONE}"),
        ("tilinumero FI21 1234 5600 0007 85", f"tilinumero {IBAN}"),
        ("maili matti.meikalainen@utu.fi", f"maili {EMAIL}"),
        (f"lapsen hetu {HETU_2000} ja mun {HETU_1900}.", f"lapsen hetu {HETU} ja mun {HETU}."),
        ("Voiko Kela soittaa numeroon 0401234567?", f"Voiko Kela soittaa numeroon {PHONE}?"),
        ("puh. 040-1234567 (iltaisin)", f"puh. {PHONE} (iltaisin)"),
        ("numero +358401234567 toimii", f"numero {PHONE} toimii"),
        ("työnumero 09 123 4567, kotona (02) 123 4567", f"työnumero {PHONE}, kotona {PHONE}"),
        ("lankapuhelin 02 3334444.", f"lankapuhelin {PHONE}."),
        ("vaihto-oppilas: +44 20 7946 0958", f"vaihto-oppilas: {PHONE}"),
        ("äidin numero +358 (0)40 123 4567", f"äidin numero {PHONE}"),
        ("00358 40 123 4567 tai 050 765 4321", f"{PHONE} tai {PHONE}"),
        ("numerot 040 123 4567 050 765 4321", f"numerot {PHONE} {PHONE}"),
        (
            "vuonna 2025 sain numeron 040 123 4567 käyttöön",
            f"vuonna 2025 sain numeron {PHONE} käyttöön",
        ),
        ("tili FI2112345600000785 on oikea", f"tili {IBAN} on oikea"),
        ("tili fi21 1234 5600 0007 85", f"tili {IBAN}"),
        (
            "Laita rahat tilille FI12 3456 7890 1234 56 kiitos",  # checksum fails
            f"Laita rahat tilille {IBAN} kiitos",
        ),
        ("saksalainen tili DE89 3704 0044 0532 0130 00.", f"saksalainen tili {IBAN}."),
        ("UK: GB82 WEST 1234 5698 7654 32 ja GB82WEST12345698765432", f"UK: {IBAN} ja {IBAN}"),
        (
            "Lähetä se osoitteeseen Matti.Meikäläinen@helsinki.fi, kiitos!",
            f"Lähetä se osoitteeseen {EMAIL}, kiitos!",
        ),
        ("(maija+kela@gmail.com)", f"({EMAIL})"),
        ("mailto:opo@koulu.edu.fi.", f"mailto:{EMAIL}."),
        (
            "hetu 131052-308T, puh 0401234567, s-posti a.b@c.fi, tili FI2112345600000785",
            f"hetu {HETU}, puh {PHONE}, s-posti {EMAIL}, tili {IBAN}",
        ),
        # Items glued together leak nothing.
        ("131052-308T.matti@utu.fi", EMAIL),
        ("0401234567@sms.fi", EMAIL),
        ("matti@utu.fi.131052-308T", f"{EMAIL}.{HETU}"),
        # A postal code with its town is part of an address (issue 16).
        ("20100 Turku", ADDRESS),
        ("00100 Helsinki", ADDRESS),
        ("02100 Espoo", ADDRESS),
    ],
)
def test_personal_data_is_replaced_and_rest_kept(text, expected):
    assert scrub(text) == expected


def test_test_data_ibans_have_expected_checksums():
    assert iban_checksum_ok("FI21 1234 5600 0007 85")
    assert iban_checksum_ok("DE89 3704 0044 0532 0130 00")
    assert iban_checksum_ok("GB82 WEST 1234 5698 7654 32")
    assert not iban_checksum_ok("FI12 3456 7890 1234 56")


def test_foreign_iban_with_bad_checksum_is_kept():
    text = "koodi GB82 WEST 1234 5698 7654 33"
    assert not iban_checksum_ok("GB82 WEST 1234 5698 7654 33")
    assert scrub(text) == text


# ---------------------------------------------------------------------------
# Things that must stay unchanged.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Hätätilanteessa soita 112",
        "Päivystysapu 116117 auttaa",
        "soita numeroon 116 117 yöllä",
        "vuonna 2025",
        "postinumero 20100",
        "vuokra on 250 euroa kuussa",
        "maksu 0,50 euroa",
        "klo 10-12",
        "klo 09.00-16.00",
        "klo 9:30",
        "12.3.2024",
        "01.02.2025",
        "2025-03-02",
        "TYS",
        "opintotuki 2025",
        "opintotuki 2024/2025 ja 1.8.2025 alkaen 279,38 €",
        "Kela-kortti ja YTHS",
        "123456",
        "mun opiskelijanumero on 2345678",
        "@matti kysyi jotain",
        "matti@utu ei ole osoite",
        "",
        "Milloin opintotuki maksetaan? 😀",
    ],
)
def test_ordinary_text_is_unchanged(text):
    assert scrub(text) == text


# ---------------------------------------------------------------------------
# Idempotence and robustness.
# ---------------------------------------------------------------------------

IDEMPOTENCE_SAMPLES = [
    "mun hetu on 131052-308T ja puhelin 040 123 4567",
    "soita +358 50 765 4321 tai 112",
    "tilinumero FI21 1234 5600 0007 85 ja DE89 3704 0044 0532 0130 00",
    "maili matti.meikalainen@utu.fi.Kiitos",
    f"{HETU_2000}{HETU_1900}",
    f"{HETU_1900}.matti@utu.fi",
    "040 123 4567.+35812341234-",
    "+35812345(0),040 123 4567",
    "DE89 3704 0044 0532 0130 00I3 GB82 WEST 1234 5698 7654 32",
    "[HETU] [PUHELIN] [IBAN] [SÄHKÖPOSTI]",
    "]040 123 4567[",
    "",
]


@pytest.mark.parametrize("text", IDEMPOTENCE_SAMPLES)
def test_scrub_is_idempotent(text):
    once = scrub(text)
    assert scrub(once) == once


def test_scrub_is_idempotent_on_random_mixtures():
    import random

    pieces = [
        "0",
        "1",
        "4",
        "9",
        " ",
        "-",
        "+",
        "(",
        ")",
        ".",
        ",",
        ":",
        "/",
        "@",
        "a",
        "F",
        "I",
        "T",
        "[",
        "]",
        "ä",
        "\n",
        HETU_1900,
        "040 123 4567",
        "+358",
        "FI21",
        "1234",
        "matti",
        "utu.fi",
        "GB82 WEST 1234 5698 7654 32",
        "00",
        "(0)",
        "010203A123",
    ]
    rng = random.Random(20250101)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        once = scrub(text)
        assert scrub(once) == once, text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00",
        "\x00" * 1000,
        "😀" * 1000,
        "".join(chr(i) for i in range(32)) * 100,
        "\ud800 lone surrogate",
        "a" * 50_000,
        "1" * 50_000,
        "0 " * 25_000,
        "+1" * 25_000,
        "a@" * 25_000,
        "a." * 25_000 + "@",
        "a@" + "b." * 25_000 + "1",
        "AB12 " * 2_000,
        "040 123 4567 " * 4_000,
        (f"{HETU_1900} matti@utu.fi FI21 1234 5600 0007 85 " * 1_500)[:50_000],
    ],
)
def test_hostile_input_does_not_raise(text):
    result = scrub(text)
    assert isinstance(result, str)


def test_long_message_is_fully_scrubbed():
    text = "hetu 131052-308T puh 040 123 4567 ja tili FI21 1234 5600 0007 85. " * 800
    result = scrub(text)
    assert "308T" not in result and "4567" not in result and "0785" not in result
    assert result.count(HETU) == result.count(PHONE) == result.count(IBAN) == 800


def test_placeholders_are_public_constants():
    assert (HETU, EMAIL, PHONE, IBAN) == ("[HETU]", "[SÄHKÖPOSTI]", "[PUHELIN]", "[IBAN]")
    for placeholder in (HETU, EMAIL, PHONE, IBAN):
        assert scrub(placeholder) == placeholder


def test_scrub_rejects_non_strings():
    with pytest.raises(TypeError):
        scrub(None)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# pseudonym
# ---------------------------------------------------------------------------

SENDER = "3f2a9c1e-student-telegram-123456789"


def test_pseudonym_is_stable_hex_of_32_chars():
    key = b"k" * 32
    first = pseudonym(SENDER, key)
    assert first == pseudonym(SENDER, key)
    assert len(first) == 32
    assert all(c in "0123456789abcdef" for c in first)


def test_pseudonym_is_hmac_sha256():
    import hashlib
    import hmac

    key = b"secret key"
    expected = hmac.new(key, SENDER.encode(), hashlib.sha256).hexdigest()[:32]
    assert pseudonym(SENDER, key) == expected


def test_pseudonym_depends_on_key_and_id():
    assert pseudonym(SENDER, b"key one") != pseudonym(SENDER, b"key two")
    assert pseudonym(SENDER, b"key one") != pseudonym(SENDER + "x", b"key one")


def test_pseudonym_does_not_contain_the_raw_id():
    for sender in (SENDER, "matti.meikalainen@utu.fi", "0401234567", "user42"):
        assert sender.lower() not in pseudonym(sender, b"k" * 32)


def test_pseudonym_handles_odd_ids():
    for sender in ("", "😀", "\x00", "\ud800", "x" * 10_000):
        assert len(pseudonym(sender, b"k")) == 32


def test_pseudonym_refuses_an_empty_key():
    with pytest.raises(ValueError):
        pseudonym(SENDER, b"")


# ---------------------------------------------------------------------------
# load_key
# ---------------------------------------------------------------------------


@pytest.fixture()
def no_env_key(monkeypatch):
    monkeypatch.delenv(pseudonyms.KEY_ENV, raising=False)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_key_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("STUDYBOTS_LOG_KEY", "sala-avain-ä")
    path = tmp_path / "keys" / "log.key"
    assert load_key(path) == "sala-avain-ä".encode()
    assert not path.exists()  # the environment wins; no file is made


def test_empty_environment_variable_falls_back_to_file(monkeypatch, tmp_path):
    monkeypatch.setenv("STUDYBOTS_LOG_KEY", "")
    key = load_key(tmp_path / "log.key")
    assert len(key) == 32
    assert (tmp_path / "log.key").read_bytes() == key


def test_key_file_is_created_private_with_parents(no_env_key, tmp_path):
    path = tmp_path / "var" / "secrets" / "log.key"
    key = load_key(path)
    assert len(key) == 32
    assert path.read_bytes() == key
    assert mode_of(path) == 0o600
    # No temporary files are left behind.
    assert sorted(p.name for p in path.parent.iterdir()) == ["log.key"]


def test_second_call_returns_the_same_key(no_env_key, tmp_path):
    path = tmp_path / "log.key"
    assert load_key(path) == load_key(path)


def test_keys_are_random(no_env_key, tmp_path):
    assert load_key(tmp_path / "a.key") != load_key(tmp_path / "b.key")


def test_existing_key_file_is_read(no_env_key, tmp_path):
    path = tmp_path / "log.key"
    path.write_bytes(b"existing key material")
    assert load_key(path) == b"existing key material"


def test_empty_key_file_is_an_error(no_env_key, tmp_path):
    path = tmp_path / "log.key"
    path.write_bytes(b"")
    with pytest.raises(ValueError):
        load_key(path)


def test_concurrent_creation_gives_everyone_the_same_key(no_env_key, tmp_path):
    path = tmp_path / "shared" / "log.key"
    barrier = threading.Barrier(8)
    results: list[bytes] = []
    errors: list[BaseException] = []

    def worker():
        try:
            barrier.wait()
            results.append(load_key(path))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == 8 and len(set(results)) == 1
    assert path.read_bytes() == results[0]
    assert sorted(p.name for p in path.parent.iterdir()) == ["log.key"]


def test_lost_race_reads_the_winners_key(no_env_key, tmp_path, monkeypatch):
    path = tmp_path / "log.key"
    real_link = os.link

    def link_after_other_process(src, dst, *args, **kwargs):
        # Another process creates the file just before us.
        Path(dst).write_bytes(b"winner's key")
        return real_link(src, dst, *args, **kwargs)

    monkeypatch.setattr(pseudonyms.os, "link", link_after_other_process)
    assert load_key(path) == b"winner's key"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.key"]


def test_falls_back_to_exclusive_create_without_hard_links(no_env_key, tmp_path, monkeypatch):
    def no_links(src, dst, *args, **kwargs):
        raise PermissionError("hard links not supported")

    monkeypatch.setattr(pseudonyms.os, "link", no_links)
    path = tmp_path / "log.key"
    key = load_key(path)
    assert len(key) == 32
    assert path.read_bytes() == key
    assert mode_of(path) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.key"]
    assert load_key(path) == key
