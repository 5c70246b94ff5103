"""An employer checks a learner's badge against the live HTTP service, as any Open Badges
verifier would (openbadges.verify over urllib): genuine, and revoked once the issuer revokes it."""

from __future__ import annotations

import urllib.request

from openbadges import verify
from openbadges.verify import urllib_fetch
from tests.http_world import ACTIVE, published
from tests.openbadges_world import ROBOTICS, award

EMAIL = "ana.novak@example.org"


def test_a_badge_verifies_from_the_live_service_until_it_is_revoked(tmp_path):
    with published(tmp_path / "keys") as world:
        urls, publisher = world.urls, world.publisher
        publisher.award(ROBOTICS.badge_id, award("a-0100", email=EMAIL, status_index=100))
        hosted, credential = urls.assertion("a-0100"), urls.credential("a-0100")
        with urllib.request.urlopen(urls.credential_png("a-0100"), timeout=10) as answer:
            baked = answer.read()

        for given in (hosted, credential, baked):
            verdict = verify.verify(given, urllib_fetch, email=EMAIL)
            assert verdict.valid, verdict.reasons
        assert verify.verify(hosted, urllib_fetch).kind == "ob2-assertion"
        assert verify.verify(credential, urllib_fetch).kind == "ob3-credential"
        assert verify.verify(hosted, urllib_fetch, email="someone@else.example").valid is False

        publisher.revoke("a-0100", "Podeljena pomotoma.")

        gone = verify.verify(hosted, urllib_fetch)
        assert not gone.valid
        assert any(
            "revoked" in reason and "Podeljena pomotoma." in reason for reason in gone.reasons
        )
        for given in (credential, baked):  # the signed status list now has the award's bit set
            verdict = verify.verify(given, urllib_fetch)
            assert not verdict.valid
            assert verdict.check("revocation").ok is False, verdict.reasons
        # the other awards still stand
        assert verify.verify(urls.assertion(ACTIVE), urllib_fetch).valid
