"""scrypt password hashes: parameters and salt in the stored string, wrong
passwords fail, the policy, and rehashing when the parameters are raised."""

from __future__ import annotations

import pytest

from studybots.console import passwords
from studybots.console.passwords import Params

FAST = Params(n=2**10, r=8, p=1)


def test_the_stored_hash_names_its_parameters_and_a_random_salt():
    stored = passwords.hash_password("oikein-pitka-salasana")
    scheme, params, salt, key = stored.split("$")
    assert scheme == "scrypt" and params == "n=32768,r=8,p=1"
    assert passwords.parse(stored)[0] == passwords.CURRENT
    assert len(passwords.parse(stored)[1]) == 16 and len(passwords.parse(stored)[2]) == 32
    assert stored != passwords.hash_password("oikein-pitka-salasana")  # another salt
    assert "oikein" not in stored


def test_the_right_password_verifies_and_any_other_does_not():
    stored = passwords.hash_password("oikein-pitka-salasana", FAST)
    assert passwords.verify("oikein-pitka-salasana", stored)
    for wrong in ("oikein-pitka-salasanA", "oikein-pitka-salasana ", "", "x" * 2000):
        assert not passwords.verify(wrong, stored), wrong
    assert not passwords.verify("oikein-pitka-salasana", None)
    assert not passwords.verify("oikein-pitka-salasana", "md5$abc")
    assert not passwords.verify("oikein-pitka-salasana", stored.replace("n=1024", "n=2048"))


def test_the_policy_refuses_short_and_huge_passwords_in_finnish():
    with pytest.raises(passwords.PasswordError, match="vähintään 12 merkkiä"):
        passwords.hash_password("a" * 11)
    with pytest.raises(passwords.PasswordError, match="enintään"):
        passwords.check_policy("a" * 1025)
    passwords.check_policy("a" * 12)


def test_a_hash_with_older_parameters_needs_a_rehash_and_still_verifies():
    old = passwords.hash_password("oikein-pitka-salasana", FAST)
    assert passwords.needs_rehash(old)
    assert passwords.verify("oikein-pitka-salasana", old)
    assert not passwords.needs_rehash(passwords.hash_password("oikein-pitka-salasana"))
