"""Open Badges 2.0 and 3.0 for colbot: the documents, keys, signatures, baking, images and checks.

A pure engine: no database, no Telegram, no HTTP server. The use cases hand it plain facts
(`IssuerProfile`, `BadgeDefinition`, `AwardFacts`) and get back JSON documents, VC-JWTs, PNG
bytes and verdicts; the store, the HTTP service, the CLI and the chat live elsewhere.

How one award is published
- `PublicUrls(PUBLIC_URL)` names every document; the HTTP service serves the same paths.
- OB 2.0, hosted verification: `ob2.issuer`, `ob2.badge_class`, `ob2.assertion` give JSON-LD
  objects (context https://w3id.org/openbadges/v2, `verification: {"type": "hosted"}`), each
  served at its own `id`. `ob2.hosted_assertion` says what the assertion's URL answers
  (200, or 410 Gone with the reason once revoked); `ob2.revocation_list` is the issuer's
  RevocationList; `status.award_status` says whether an award stands now.
- OB 3.0: `ob3.credential` builds the OpenBadgeCredential (VC 2.0 and OB 3.0.3 contexts,
  issuer Profile, AchievementSubject with a hashed, salted IdentityObject, credentialStatus);
  `ob3.sign(credential, keyring, urls)` makes the VC-JWT: JOSE header exactly {alg: RS256,
  kid: the key's URL}, payload = the credential plus iss/jti/nbf/sub(/exp).
- Revocation in OB 3.0 is a W3C Bitstring Status List per issuer (`status.py` says why it
  was chosen over 1EdTechRevocationList); `status.status_list_credential` builds a list,
  signed with `ob3.sign` like any credential.
- `baking.bake(png, keyword, text)` puts one uncompressed iTXt chunk before IEND: keyword
  `openbadges` with the assertion JSON, or `openbadgecredential` with the VC-JWT;
  `baking.unbake` reads it back strictly.

Keys (`KeyRing.open(DATA_DIR/keys)`): RSA-3072 made on first start, one PEM file each (0600,
directory 0700), never logged or shown. `rotate()` adds a new current key and keeps the old
ones in `jwks(urls)` and at `public_jwk(kid, urls)`, so old credentials still verify. The
private key is parsed once per process; signing costs one RSA operation.

Images (`images`): `check_supplied` accepts a real PNG or a self-contained SVG within limits;
`generate` draws a 512×512 badge (DejaVu Sans when present, diacritics added by hand when only
Pillow's own font is there); `qr_png` draws a deep link.

Recipients are only ever a salted SHA-256 hash (`Recipient.new(email)`): of the e-mail address
when the learner gave one, else of the award's random urn:uuid. Claim codes (`codes`) are 192
random bits in 32 URL-safe characters, stored hashed, compared in constant time.

`verify.verify(data_or_url, fetch, email=None, now=None)` checks what a relying party would
(schema, JSON-LD, JOSE header, issuer key and origin, signature, claims, dates, revocation,
hosted copy, recipient) through an injected `fetch`, and returns a `Verdict`.

The spec files it needs ship in `openbadges/spec/` (README there: origins); nothing is fetched
from the network to build or check a badge of ours except what `verify` is asked to check.
"""

from openbadges.keys import KeyRing, KeyRingError
from openbadges.model import (
    AwardFacts,
    BadgeDefinition,
    Bilingual,
    Evidence,
    IssuerProfile,
    Recipient,
)
from openbadges.urls import PublicUrls

__all__ = [
    "AwardFacts",
    "BadgeDefinition",
    "Bilingual",
    "Evidence",
    "IssuerProfile",
    "KeyRing",
    "KeyRingError",
    "PublicUrls",
    "Recipient",
]
