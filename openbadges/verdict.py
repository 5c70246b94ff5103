"""What checking a badge produces (a `Verdict` of `Check`s) and the tools both checkers share.

`Run` collects the checks of one verification and reads the network only through the injected
fetcher; a failed check raises `Problem` inside `Run.step`, and `Stop` ends a verification that
cannot go on.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import urldefrag

from openbadges import contexts
from openbadges.model import parse_iso
from openbadges.urls import origin

LEEWAY = timedelta(seconds=60)
MAX_BODY = 2 * 1024 * 1024
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
KIND_OB3 = "ob3-credential"
KIND_OB2 = "ob2-assertion"
KIND_UNKNOWN = "unknown"


class Fetched(NamedTuple):
    status: int
    headers: Mapping[str, str]
    body: bytes


Fetch = Callable[[str], "Fetched | tuple[int, Mapping[str, str], bytes]"]


@dataclass(frozen=True)
class Check:
    """One check's outcome: ok True (passed), False (failed) or None (not applicable)."""

    name: str
    ok: bool | None
    detail: str


@dataclass
class Verdict:
    """The answer: valid or not, what kind of badge, why not (empty when valid), every check's
    outcome, and a few facts to show (badge, issuer, issued, expires, id)."""

    valid: bool
    kind: str
    reasons: list[str]
    checks: list[Check]
    facts: dict[str, str] = field(default_factory=dict)

    def check(self, name: str) -> Check | None:
        """The (last) outcome of the check called `name`."""
        for found in reversed(self.checks):
            if found.name == name:
                return found
        return None


class Problem(Exception):
    """A check failed; the message is its short reason."""


class Stop(Exception):
    """Nothing further can be checked."""


class Run:
    def __init__(self, fetch: Fetch, now: datetime) -> None:
        self._fetch = fetch
        self.now = now
        self.kind = KIND_UNKNOWN
        self.checks: list[Check] = []
        self.required: set[str] = set()
        self.facts: dict[str, str] = {}
        self._fetched: dict[str, Fetched] = {}

    def ok(self, name: str, detail: str) -> None:
        self.checks.append(Check(name, True, detail))

    def skip(self, name: str, detail: str) -> None:
        self.checks.append(Check(name, None, detail))

    def fail(self, name: str, detail: str) -> None:
        self.checks.append(Check(name, False, detail))

    def stop(self, name: str, detail: str) -> Stop:
        self.fail(name, detail)
        return Stop()

    @contextmanager
    def step(self, name: str, fatal: bool = False) -> Iterator[None]:
        try:
            yield
        except Problem as problem:
            self.fail(name, str(problem))
            if fatal:
                raise Stop from None

    def fetch(self, url: str) -> Fetched:
        address = urldefrag(url).url
        if origin(address) is None:
            raise Problem(f"{clip(url)} is not an http(s) address; it is not fetched")
        if address not in self._fetched:
            try:
                status_code, headers, body = self._fetch(address)
            except Exception as error:
                raise Problem(
                    f"{clip(address)} could not be fetched ({type(error).__name__})"
                ) from None
            if len(body) > MAX_BODY:
                raise Problem(f"{clip(address)} answered more than {MAX_BODY // 1024} KiB")
            self._fetched[address] = Fetched(int(status_code), dict(headers), bytes(body))
        return self._fetched[address]

    def fetch_json(self, url: str, what: str) -> Any:
        response = self.fetch(url)
        if response.status != 200:
            raise Problem(f"the {what} at {clip(url)} answers HTTP {response.status}")
        try:
            return json.loads(response.body)
        except ValueError:
            raise Problem(f"the {what} at {clip(url)} is not JSON") from None

    def verdict(self) -> Verdict:
        failures = [check.detail for check in self.checks if check.ok is False]
        passed = {check.name for check in self.checks if check.ok is True}
        missing = self.required - passed
        valid = self.kind != KIND_UNKNOWN and not failures and not missing
        if not failures and missing:
            failures = [f"not verified: {', '.join(sorted(missing))}"]
        return Verdict(valid, self.kind, failures, list(self.checks), dict(self.facts))


# shared helpers -----------------------------------------------------------------------------
def clip(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def types_of(node: Any) -> list[str]:
    kinds = node.get("type") if isinstance(node, dict) else None
    if isinstance(kinds, str):
        return [kinds]
    return [kind for kind in kinds if isinstance(kind, str)] if isinstance(kinds, list) else []


def ref_id(value: Any) -> str | None:
    """The id of a reference that is a URL or an object with an id."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"]
    return None


def date_of(value: Any, what: str) -> datetime:
    if not isinstance(value, str):
        raise Problem(f"{what} is not a date")
    try:
        return parse_iso(value)
    except ValueError:
        raise Problem(f"{what} is not an ISO 8601 date-time with a time zone") from None


def check_dates(run: Run, start: datetime | None, end: datetime | None, start_name: str) -> None:
    with run.step("dates"):
        if start is not None and start > run.now + LEEWAY:
            raise Problem(f"not valid yet: {start_name} is {start.isoformat()}")
        if end is not None and end <= run.now:
            raise Problem(f"expired on {end.isoformat()}")
        run.ok("dates", "issued in the past" + ("" if end is None else ", not expired"))


def check_jsonld(run: Run, document: dict[str, Any]) -> None:
    from pyld.jsonld import JsonLdError

    with run.step("json-ld"):
        declared = document.get("@context")
        names = declared if isinstance(declared, list) else [declared]
        if declared is None:
            raise Problem("there is no JSON-LD @context")
        unknown = [c for c in names if isinstance(c, str) and c not in contexts.known_contexts()]
        if unknown:
            raise Problem(f"it names a context this verifier does not know: {clip(unknown[0])}")
        try:
            dropped = contexts.dropped_terms(document)
        except JsonLdError as error:
            message = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise Problem(f"it is not valid JSON-LD ({clip(message)})") from None
        if dropped:
            raise Problem(f"terms no context defines: {', '.join(dropped[:5])}")
        run.ok("json-ld", "expands as JSON-LD with the shipped contexts")


def hash_matches(identity_hash: str, plain: str, salt: str) -> bool:
    algorithm, _, digest = identity_hash.partition("$")
    if algorithm.lower() not in {"sha256", "md5"} or not digest:
        raise Problem(f"the recipient is hashed with {algorithm or 'nothing'}, which is not read")
    expected = hashlib.new(algorithm.lower(), (plain + salt).encode("utf-8")).hexdigest()
    return hmac.compare_digest(expected.encode(), digest.lower().encode("utf-8", "replace"))


def b64json(part: str, what: str) -> Any:
    if not _B64URL.fullmatch(part):
        raise Problem(f"the {what} is not base64url")
    try:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except ValueError:
        raise Problem(f"the {what} is not JSON") from None
