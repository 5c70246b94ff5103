"""The issuing keys: made on first start in a private directory, never shown, rotated without
breaking a single badge already issued."""

from __future__ import annotations

import base64
import json
import logging
import os
import pickle
import stat

import pytest

from openbadges import KeyRing, KeyRingError, verify
from tests.openbadges_world import NOW, URLS, Site, award, credential_jwt


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_first_start_makes_one_key_in_a_directory_only_the_owner_can_read(tmp_path):
    ring = KeyRing.open(tmp_path / "keys")

    assert _mode(tmp_path / "keys") == 0o700
    files = sorted(p.name for p in (tmp_path / "keys").iterdir())
    assert files == [".lock", f"{ring.current_kid}.pem", "keyring.json"]
    for name in files:
        assert _mode(tmp_path / "keys" / name) == 0o600, name
    assert ring.kids == (ring.current_kid,)
    again = KeyRing.open(tmp_path / "keys")
    assert again.current_kid == ring.current_kid  # opening again makes no new key


def test_key_material_never_shows_in_a_repr_a_log_or_an_error(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    ring = KeyRing.open(tmp_path / "keys")
    pem = (tmp_path / "keys" / f"{ring.current_kid}.pem").read_text()
    secret_line = pem.splitlines()[3]

    shown = [repr(ring), str(ring), repr(ring._keys), caplog.text]
    assert all(secret_line not in text and "PRIVATE" not in text for text in shown)
    with pytest.raises(TypeError):
        pickle.dumps(ring)
    jwk = ring.public_jwk(ring.current_kid, URLS)
    assert set(jwk) == {"kty", "n", "e", "kid", "alg", "use"}  # no "d", no primes

    (tmp_path / "keys" / f"{ring.current_kid}.pem").write_text(pem[:200] + "garbage" + pem[200:])
    with pytest.raises(KeyRingError) as raised:
        KeyRing.open(tmp_path / "keys")
    assert pem[40:80] not in str(raised.value) and raised.value.__cause__ is None
    assert raised.value.__suppress_context__


def test_loose_permissions_are_tightened(tmp_path):
    ring = KeyRing.open(tmp_path / "keys")
    os.chmod(tmp_path / "keys", 0o755)
    os.chmod(tmp_path / "keys" / f"{ring.current_kid}.pem", 0o644)

    KeyRing.open(tmp_path / "keys")

    assert _mode(tmp_path / "keys") == 0o700
    assert _mode(tmp_path / "keys" / f"{ring.current_kid}.pem") == 0o600


def test_rotation_keeps_old_badges_verifiable_and_publishes_every_key(tmp_path):
    ring = KeyRing.open(tmp_path / "keys")
    old_kid = ring.current_kid
    before = award("a-before")
    old_jwt = credential_jwt(before, ring)

    new_kid = ring.rotate()
    after = award("a-after", status_index=8)
    new_jwt = credential_jwt(after, ring)

    assert new_kid != old_kid and ring.current_kid == new_kid
    assert ring.kids == (old_kid, new_kid)
    assert _mode(tmp_path / "keys" / f"{new_kid}.pem") == 0o600
    assert [k["kid"] for k in ring.jwks(URLS)["keys"]] == [URLS.key(new_kid), URLS.key(old_kid)]
    site = Site(ring).publish([before, after])
    for token, kid in ((old_jwt, old_kid), (new_jwt, new_kid)):
        verdict = verify.verify(token, site, now=NOW)
        assert verdict.valid, verdict.reasons
        header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
        assert header == {"alg": "RS256", "kid": URLS.key(kid)}


def test_another_process_sees_a_rotation(tmp_path):
    server = KeyRing.open(tmp_path / "keys")
    cli = KeyRing.open(tmp_path / "keys")

    assert not server.reload_if_changed()
    new_kid = cli.rotate()

    assert server.reload_if_changed()
    assert server.current_kid == new_kid and len(server.kids) == 2


def test_a_damaged_key_ring_says_so_without_guessing(tmp_path):
    KeyRing.open(tmp_path / "keys")
    (tmp_path / "keys" / "keyring.json").write_text("{not json")

    with pytest.raises(KeyRingError, match="cannot be read as a key ring"):
        KeyRing.open(tmp_path / "keys")
