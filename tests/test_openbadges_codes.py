"""Claim codes fit a Telegram deep link, cannot be guessed, are stored only as a hash and are
compared in constant time."""

from __future__ import annotations

import hmac
import math
import re

from openbadges import codes


def test_a_claim_code_fits_a_deep_link_and_carries_at_least_128_random_bits():
    made = {codes.new_code() for _ in range(500)}

    assert len(made) == 500
    for code in made:
        assert re.fullmatch(r"[A-Za-z0-9_-]+", code)
        assert len(f"claim_{code}") <= 64
        assert len(code) * math.log2(64) >= 128
        assert codes.is_well_formed(code)
    assert codes.CODE_BYTES * 8 >= 128


def test_the_store_keeps_a_hash_and_a_presented_code_matches_only_its_own():
    code, other = codes.new_code(), codes.new_code()
    stored = codes.hash_code(code)

    assert code not in stored and len(stored) == 64
    assert codes.matches(code, stored)
    assert not codes.matches(other, stored)
    assert not codes.matches(code + "x", stored)


def test_with_a_server_secret_the_hash_is_an_hmac():
    code = codes.new_code()
    stored = codes.hash_code(code, secret=b"server secret")

    assert stored != codes.hash_code(code)
    assert codes.matches(code, stored, secret=b"server secret")
    assert not codes.matches(code, stored, secret=b"another secret")
    assert not codes.matches(code, stored)


def test_codes_are_compared_in_constant_time(monkeypatch):
    compared = []
    real = hmac.compare_digest

    def recording(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(codes.hmac, "compare_digest", recording)
    code = codes.new_code()

    assert codes.matches(code, codes.hash_code(code))
    assert len(compared) == 1


def test_odd_presented_codes_are_simply_wrong():
    stored = codes.hash_code(codes.new_code())

    for presented in ("", "short", "č" * 40, "x" * 65, "a b c d e f g h i j k l m n o p"):
        assert not codes.matches(presented, stored)
        assert not codes.is_well_formed(presented)
    assert not codes.matches(codes.new_code(), "ž" * 64)
