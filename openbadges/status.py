"""Whether an award still stands, and the OB 3.0 revocation status lists that publish it.

Status method: the W3C Bitstring Status List (`BitstringStatusListEntry`), not
`1EdTechRevocationList`. Reasons:
- 1EdTech's own validator (digital-credentials-public-validator, RevocationListProbe and
  BitstringStatusListProbe) checks a BitstringStatusListEntry fully: it fetches the status
  list credential, verifies its proof (a VC-JWT is accepted), compares `statusPurpose`,
  requires at least 131,072 entries and reads the bit. For `1EdTechRevocationList` it only
  looks the id up in a JSON list, and a failed fetch is a mere warning.
- `BitstringStatusListEntry`, `BitstringStatusListCredential` and their properties are
  defined in the VC 2.0 context every OpenBadgeCredential already names; the
  1EdTechRevocationList type is defined in no context we ship, so a credential carrying it
  would not expand cleanly as JSON-LD.
- It is a W3C Recommendation any VC verifier knows, and it is signed, so a status cannot be
  forged by whoever serves it; the list also says nothing about which awards exist
  (herd privacy), where a revocation list names each revoked credential.
The reason a badge was revoked is published on the OB 2.0 side (410 Gone and the issuer's
RevocationList); a bitstring only says "revoked".

Each issuer has its own lists of LIST_SIZE entries; an award's `status_index` picks the list
(index // LIST_SIZE) and the bit in it (index % LIST_SIZE, the left-most bit being 0).
"""

from __future__ import annotations

import base64
import gzip
import io
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any

from openbadges.contexts import VC2_CONTEXT
from openbadges.model import AwardFacts, IssuerProfile, iso
from openbadges.urls import PublicUrls

LIST_SIZE = 131_072  # the W3C minimum: 16 KiB of bits, a few hundred bytes gzipped
PURPOSE = "revocation"


class AwardStatus(Enum):
    """An award's standing now. The service answers a revoked award's assertion 410 Gone."""

    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"


def award_status(award: AwardFacts, now: datetime) -> AwardStatus:
    if award.revoked:
        return AwardStatus.REVOKED
    if award.expires is not None and award.expires <= now:
        return AwardStatus.EXPIRED
    return AwardStatus.ACTIVE


def locate(status_index: int) -> tuple[int, int]:
    """(list number, position in that list) of an award's status index."""
    if status_index < 0:
        raise ValueError("a status index is 0 or more")
    return divmod(status_index, LIST_SIZE)


def encode(positions: Iterable[int], size: int = LIST_SIZE) -> str:
    """A bitstring with `positions` set, gzipped and multibase-encoded (base64url, 'u')."""
    bits = bytearray(size // 8)
    for position in positions:
        if not 0 <= position < size:
            raise ValueError("a position outside the status list")
        bits[position // 8] |= 0x80 >> (position % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def decode(encoded: str, max_bytes: int = 16 * 1024 * 1024) -> bytes:
    """The bitstring of an `encodedList`; raises ValueError for anything malformed."""
    if not encoded.startswith("u"):
        raise ValueError("the encoded list is not multibase base64url")
    body = encoded[1:]
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        with gzip.GzipFile(fileobj=io.BytesIO(packed)) as stream:
            bits = stream.read(max_bytes + 1)
    except (ValueError, OSError, EOFError) as error:
        raise ValueError(f"the encoded list cannot be expanded ({type(error).__name__})") from None
    if len(bits) > max_bytes:
        raise ValueError("the status list is implausibly large")
    return bits


def is_set(bits: bytes, position: int) -> bool:
    if not 0 <= position < len(bits) * 8:
        raise ValueError("the status index lies outside the status list")
    return bool(bits[position // 8] & (0x80 >> (position % 8)))


def entry(profile: IssuerProfile, award: AwardFacts, urls: PublicUrls) -> dict[str, Any]:
    """The credentialStatus of an award's OpenBadgeCredential."""
    list_number, position = locate(award.status_index)
    list_url = urls.status_list(profile.slug, list_number)
    return {
        "id": f"{list_url}#{position}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(position),
        "statusListCredential": list_url,
    }


def status_list_credential(
    profile: IssuerProfile,
    list_number: int,
    revoked_indexes: Iterable[int],
    urls: PublicUrls,
    now: datetime,
) -> dict[str, Any]:
    """One of an issuer's BitstringStatusListCredentials; sign it with `ob3.sign`.

    `revoked_indexes` are the status indexes of the issuer's revoked awards (any list's:
    only this list's are used).
    """
    positions = [
        position
        for number, position in (locate(index) for index in revoked_indexes)
        if number == list_number
    ]
    list_url = urls.status_list(profile.slug, list_number)
    return {
        "@context": [VC2_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": urls.issuer(profile.slug),
        "validFrom": iso(now),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encode(positions),
        },
    }
