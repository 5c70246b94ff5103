"""The shipped spec files (JSON-LD contexts, the OB 3.0 JSON schema) and the checks made with them.

Everything is read from `openbadges/spec/` once per process; nothing is ever fetched from the
network: a document naming any other context is refused (see spec/README.md for the files'
origins).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB3_SCHEMA_ID = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
# Where a VC 2.0 context with "@vocab" (the copy shipped here has one; the final W3C
# Recommendation's does not) puts a term no context defines, instead of dropping it.
ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"

_CONTEXT_FILES = {
    OB2_CONTEXT: "ob_v2p0_context.json",
    # the OB 2.0 context's other published addresses
    "https://w3id.org/openbadges/v2/": "ob_v2p0_context.json",
    "https://openbadgespec.org/v2/context.json": "ob_v2p0_context.json",
    VC2_CONTEXT: "credentials_v2_context.jsonld",
    OB3_CONTEXT: "ob_v3p0_context-3.0.3.json",
}
_SCHEMA_FILE = "ob_v3p0_achievementcredential_schema.json"


class SpecFileMissing(FileNotFoundError):
    """A spec file this package needs is not in openbadges/spec/."""


@cache
def spec_file(name: str) -> Any:
    """One shipped spec file, parsed (cached: parse once per process)."""
    path = resources.files("openbadges") / "spec" / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecFileMissing(
            f"openbadges/spec/{name} is missing; openbadges/spec/README.md says where it comes from"
        ) from None
    return json.loads(text)


def known_contexts() -> frozenset[str]:
    return frozenset(_CONTEXT_FILES)


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """A pyld document loader that serves the shipped contexts and refuses everything else."""
    from pyld.jsonld import JsonLdError

    name = _CONTEXT_FILES.get(url)
    if name is None:
        raise JsonLdError(
            f"context {url} is not one colbot ships; it is not fetched",
            "jsonld.LoadDocumentError",
            code="loading document failed",
        )
    return {"contextUrl": None, "documentUrl": url, "document": spec_file(name)}


def expand(document: dict[str, Any]) -> list[Any]:
    """The JSON-LD expansion of a document, with only the shipped contexts."""
    from pyld import jsonld

    return jsonld.expand(document, {"documentLoader": document_loader})


def _key_paths(node: Any, prefix: str = "") -> set[str]:
    paths: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                continue
            path = f"{prefix}.{key}" if prefix else key
            paths.add(path)
            paths |= _key_paths(value, path)
    elif isinstance(node, list):
        for item in node:
            paths |= _key_paths(item, prefix)
    return paths


def _without_issuer_dependent(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: _without_issuer_dependent(value)
            for key, value in node.items()
            if not key.startswith(ISSUER_DEPENDENT)
        }
    if isinstance(node, list):
        return [_without_issuer_dependent(item) for item in node]
    return node


def dropped_terms(document: dict[str, Any]) -> list[str]:
    """The properties no context defines: expand, compact back, compare.

    JSON-LD drops such a term, or, under a VC 2.0 context with "@vocab", files it under the
    issuer-dependent vocabulary; both count here. Raises pyld's JsonLdError when the document
    cannot be processed at all (an unknown or malformed context, a redefined protected term).
    """
    from pyld import jsonld

    options = {"documentLoader": document_loader}
    expanded = _without_issuer_dependent(jsonld.expand(document, options))
    compacted = jsonld.compact(expanded, {"@context": document.get("@context")}, options)
    return sorted(_key_paths(document) - _key_paths(compacted))


@cache
def _credential_validator() -> Any:
    from jsonschema import Draft201909Validator, FormatChecker

    schema = spec_file(_SCHEMA_FILE)
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema, format_checker=FormatChecker())


def credential_schema_errors(credential: Any, limit: int = 5) -> list[str]:
    """Where a credential breaks the OB 3.0 AchievementCredential JSON schema (empty: it fits)."""
    validator = _credential_validator()
    errors = sorted(validator.iter_errors(credential), key=lambda e: list(e.absolute_path))
    messages = []
    for error in errors[:limit]:
        # "not valid under any of the given schemas" says little: follow the branch that got
        # furthest into the document and name its fault
        while error.context:
            error = max(error.context, key=lambda e: len(e.absolute_path))
        where = ".".join(str(part) for part in error.absolute_path) or "the credential"
        messages.append(f"{where}: {_short(error.message)}")
    return messages


def _short(text: str, width: int = 160) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
