"""The ASGI application of the HTTP service: `build_http_app(publisher, urls, telegram)`.

Every route is made from `PublicUrls` itself (a template id put through it), so the service
answers exactly the addresses the documents name, under PUBLIC_URL's path. The documents go out
as the publisher made them, with their media type, CORS open to every origin (verifiers and
wallets read them from browsers), an ETag and a cache lifetime that suits them: short where a
revocation must show soon, long for images. A browser opening an assertion's address is sent
(303) to the award's public page; a verifier gets the JSON-LD.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.http.access import AccessLog
from bot.http.negotiation import page_language, prefers_page
from bot.http.page import content_security_policy, origin_of, render_not_found, render_page
from bot.http.published import BadgePublisher, Published
from bot.http.webhook import MAX_UPDATE, TelegramWebhook
from openbadges.urls import PublicUrls

SHORT = "public, max-age=60"  # what a revocation changes: assertions, credentials, lists, pages
MEDIUM = "public, max-age=3600"  # issuers, badge classes, the key set
LONG = "public, max-age=86400"  # images, and a key by its id (it never changes)
NOT_STORED = "no-store"  # not found (yet), errors
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Content-Length",
}
PREFLIGHT = {
    **CORS,
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language, If-None-Match",
    "Access-Control-Max-Age": "86400",
}
SAFE = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
DOCUMENT_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
# An id in a public URL, as openbadges.urls makes them; anything else is not ours (404).
ID = re.compile(r"[A-Za-z0-9_.~-]{1,128}")
LIST_NUMBER = re.compile(r"0|[1-9][0-9]{0,8}")
DEFAULT_ZONE = ZoneInfo("Europe/Ljubljana")
PUBLISHER_THREADS = 8  # the publisher reads the store: it waits in these, never in the loop


def _is_id(value: str) -> bool:
    return bool(ID.fullmatch(value)) and value not in (".", "..")


def _template(url: str, *names: str) -> str:
    """The path of a public URL made with `__name__` placeholders, as a route: `{name}`."""
    path = urlsplit(url).path
    for name in names:
        path = path.replace(f"__{name}__", "{" + name + "}")
    return path


def _etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def _fresh(request: Request, etag: str) -> bool:
    """Whether the client's copy (If-None-Match) is this one."""
    wanted = request.headers.get("if-none-match")
    if not wanted:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in wanted.split(",")}
    return etag in tags or "*" in tags


def not_found() -> Response:
    headers = {**SAFE, "Cache-Control": NOT_STORED, **CORS}
    return JSONResponse({"error": "not found"}, status_code=404, headers=headers)


def document_response(
    request: Request, published: Published, cache: str, vary: str | None = None
) -> Response:
    """A published document as it goes out: status, media type, body, and the headers that let
    browsers read it (CORS), caches keep it (Cache-Control, ETag) and nobody run it."""
    headers = {
        **SAFE,
        **CORS,
        "Cache-Control": cache if published.status == 200 else SHORT,
        "Content-Security-Policy": (
            SVG_POLICY if published.media_type == "image/svg+xml" else DOCUMENT_POLICY
        ),
    }
    if vary:
        headers["Vary"] = vary
    given = {name.lower() for name in published.headers}  # the publisher's own win
    headers = {name: value for name, value in headers.items() if name.lower() not in given}
    headers.update(published.headers)
    etag = next((v for k, v in headers.items() if k.lower() == "etag"), None)
    if etag is None:
        etag = headers["ETag"] = _etag(published.body)
    if published.status == 200 and _fresh(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(published.body, published.status, headers, published.media_type)


Endpoint = Callable[[Request], Awaitable[Response]]
Lookup = Callable[..., Published | None]
InWorker = Callable[..., Awaitable[Any]]


def documents(in_worker: InWorker, lookup: Lookup, cache: str, *names: str) -> Endpoint:
    """An endpoint serving `lookup(*ids)`, each id from the path checked first."""

    async def endpoint(request: Request) -> Response:
        ids = [request.path_params[name] for name in names]
        if not all(_is_id(value) for value in ids):
            return not_found()
        published = await in_worker(lookup, *ids)
        if published is None:
            return not_found()
        return document_response(request, published, cache)

    return endpoint


def document_route(path: str, endpoint: Endpoint) -> Route:
    """A published document's route: GET and HEAD, and OPTIONS for a browser's CORS preflight."""

    async def answer(request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=PREFLIGHT)
        return await endpoint(request)

    return Route(path, answer, methods=["GET", "OPTIONS"], name=path)


async def http_error(request: Request, error: Exception) -> Response:
    """Starlette's own 404 (no route) and 405 (wrong method), as small JSON answers."""
    assert isinstance(error, HTTPException)
    headers = {**SAFE, "Cache-Control": NOT_STORED, **(error.headers or {})}
    message = {404: "not found", 405: "method not allowed"}.get(error.status_code, error.detail)
    return JSONResponse({"error": message}, status_code=error.status_code, headers=headers)


async def server_error(request: Request, error: Exception) -> Response:
    """Anything unexpected: a plain 500, never a traceback (the log has the exception)."""
    headers = {**SAFE, "Cache-Control": NOT_STORED}
    return JSONResponse({"error": "internal error"}, status_code=500, headers=headers)


def build_http_app(
    publisher: BadgePublisher,
    urls: PublicUrls,
    telegram: TelegramWebhook | None = None,
    *,
    languages: tuple[str, ...] = ("sl", "en"),
    zone: ZoneInfo = DEFAULT_ZONE,
    publisher_threads: int = PUBLISHER_THREADS,
) -> Starlette:
    """The HTTP service: `publisher`'s documents and pages at `urls`' paths, `/healthz`, and
    `telegram`'s webhook when there is a bot to run (started and stopped with the app).

    The publisher is called in `publisher_threads` threads, as it may wait on the store; 0 calls
    it on the event loop (for a publisher that answers from memory at once)."""
    if not languages:
        raise ValueError("the public pages need at least one language")
    p = publisher
    workers = (
        ThreadPoolExecutor(publisher_threads, thread_name_prefix="publisher")
        if publisher_threads > 0
        else None
    )

    async def in_worker(function: Callable[..., Any], *args: Any) -> Any:
        """`function(*args)` in a publisher thread: the store's waits do not hold up the loop
        (nor the bot's webhook, which shares it)."""
        if workers is None:
            return function(*args)
        return await asyncio.get_running_loop().run_in_executor(workers, function, *args)

    def served(lookup: Lookup, cache: str, *names: str) -> Endpoint:
        return documents(in_worker, lookup, cache, *names)

    async def assertion(request: Request) -> Response:
        award_id = request.path_params["award_id"]
        if not _is_id(award_id):
            return not_found()
        wants_page = prefers_page(request.headers.get("accept"))
        if wants_page and request.query_params.get("format") != "json":
            headers = {**SAFE, "Cache-Control": SHORT, "Vary": "Accept"}
            return RedirectResponse(urls.public_page(award_id), 303, headers=headers)
        published = await in_worker(p.assertion, award_id)
        if published is None:
            return not_found()
        return document_response(request, published, SHORT, vary="Accept")

    async def jwks(request: Request) -> Response:
        return document_response(request, await in_worker(p.jwks), MEDIUM)

    async def status_list(request: Request) -> Response:
        slug, number = request.path_params["slug"], request.path_params["list_number"]
        if not _is_id(slug) or not LIST_NUMBER.fullmatch(number):
            return not_found()
        published = await in_worker(p.status_list, slug, int(number))
        if published is None:
            return not_found()
        return document_response(request, published, SHORT)

    def image(kind: str) -> Endpoint:
        return served(lambda badge_id: p.image(badge_id, kind), LONG, "badge_id")

    async def public_page(request: Request) -> Response:
        lang = page_language(
            request.query_params.get("lang"), request.headers.get("accept-language"), languages
        )
        award_id = request.path_params["award_id"]
        facts = await in_worker(p.public_page, award_id) if _is_id(award_id) else None
        headers = {
            **SAFE,
            "Content-Language": lang,
            "Vary": "Accept-Language",
        }
        if facts is None:
            headers |= {
                "Cache-Control": NOT_STORED,
                "Content-Security-Policy": content_security_policy(None),
            }
            body = render_not_found(lang).encode()
            return Response(body, 404, headers, "text/html; charset=utf-8")
        body = render_page(facts, lang, languages, zone).encode()
        image_origin = origin_of(facts.image_url)
        headers |= {
            "Cache-Control": SHORT,
            "Content-Security-Policy": content_security_policy(image_origin),
            "ETag": _etag(body),
        }
        if _fresh(request, headers["ETag"]):
            return Response(status_code=304, headers=headers)
        return Response(body, 200, headers, "text/html; charset=utf-8")

    async def healthz(request: Request) -> Response:
        state: dict[str, str] = {"status": "ok"}
        if telegram is not None:
            state["telegram"] = "running" if telegram.running else "stopped"
        return JSONResponse(state, headers={"Cache-Control": NOT_STORED})

    slug, badge, award, kid = "__slug__", "__badge_id__", "__award_id__", "__kid__"
    routes = [
        Route("/healthz", healthz, methods=["GET"]),  # HEAD comes with GET
        Route(_template(urls.public_page(award), "award_id"), public_page, methods=["GET"]),
        *(
            document_route(path, endpoint)
            for path, endpoint in [
                (_template(urls.issuer(slug), "slug"), served(p.issuer, MEDIUM, "slug")),
                (
                    _template(urls.revocation_list(slug), "slug"),
                    served(p.revocation_list, SHORT, "slug"),
                ),
                (
                    _template(urls.status_list(slug, "__list_number__"), "slug", "list_number"),
                    status_list,
                ),
                (
                    _template(urls.badge_class(badge), "badge_id"),
                    served(p.badge_class, MEDIUM, "badge_id"),
                ),
                (_template(urls.image(badge, "png"), "badge_id"), image("png")),
                (_template(urls.image(badge, "svg"), "badge_id"), image("svg")),
                (_template(urls.assertion(award), "award_id"), assertion),
                (
                    _template(urls.baked_png(award), "award_id"),
                    served(p.baked_png, LONG, "award_id"),
                ),
                (
                    _template(urls.credential(award), "award_id"),
                    served(p.credential, SHORT, "award_id"),
                ),
                (
                    _template(urls.credential_png(award), "award_id"),
                    served(p.credential_png, LONG, "award_id"),
                ),
                (urlsplit(urls.jwks()).path, jwks),
                (_template(urls.key(kid), "kid"), served(p.key, LONG, "kid")),
            ]
        ),
    ]
    if telegram is not None:
        routes.append(
            Route(telegram.path, telegram.receive, methods=["POST"], max_body_size=MAX_UPDATE)
        )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            if telegram is None:
                yield
                return
            await telegram.start()
            try:
                yield
            finally:
                await telegram.stop()
        finally:
            if workers is not None:
                workers.shutdown(wait=True)

    app = Starlette(
        routes=routes,
        middleware=[Middleware(AccessLog)],
        exception_handlers={HTTPException: http_error, Exception: server_error},
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False  # one address for each thing
    return app
