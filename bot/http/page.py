"""The public page of one award: bilingual HTML that a person opens from a shared link, with the
Open Graph and Twitter card tags that make the link preview in Telegram and LinkedIn.

Plain HTML with its CSS inline: no script, no external asset, no tracking; every text from the
publisher is escaped, and only http(s) addresses become links.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from html import escape, unescape
from urllib.parse import quote, urlencode, urljoin, urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.http.published import PublicBadgePage
from bot.i18n import gettext_for

LANGUAGE_NAMES = {"sl": "Slovenščina", "en": "English"}  # each in its own language
OG_LOCALES = {"sl": "sl_SI", "en": "en_GB"}
LINKEDIN_ADD = "https://www.linkedin.com/profile/add"
DESCRIPTION_PREVIEW = 200  # characters of the description in a link preview

STYLE = """
:root{color-scheme:light dark;--ink:#1d2330;--soft:#5b6472;--line:#d9dde3;--bg:#f6f7f9;
--card:#fff;--ok:#1c6b3a;--okbg:#e4f4ea;--bad:#8f1d1d;--badbg:#fbe7e7;--old:#6b4d00;
--oldbg:#fdf1d6;--link:#0b57a3}
@media (prefers-color-scheme:dark){:root{--ink:#e8eaee;--soft:#a9b0bb;--line:#3a404a;
--bg:#15181d;--card:#1e2228;--ok:#9fe0b5;--okbg:#173523;--bad:#f3b1b1;--badbg:#3d1b1b;
--old:#f1d48c;--oldbg:#3a2f12;--link:#8cc2ff}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
main{max-width:44rem;margin:0 auto;padding:1rem}
article{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1.25rem}
nav{text-align:right;font-size:.95rem;margin-bottom:.5rem}
a{color:var(--link)}
header{display:flex;flex-wrap:wrap;gap:1.25rem;align-items:center}
header img{width:10rem;height:10rem;object-fit:contain;flex:none}
header div{flex:1 1 16rem}
h1{font-size:1.6rem;line-height:1.2;margin:0 0 .4rem}
h2{font-size:1.1rem;margin:1.5rem 0 .4rem}
.state{display:inline-block;margin:.25rem 0;padding:.3rem .7rem;border-radius:6px;font-weight:600}
.active{color:var(--ok);background:var(--okbg)}
.revoked{color:var(--bad);background:var(--badbg)}
.expired{color:var(--old);background:var(--oldbg)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:1.25rem 0 0}
dt{color:var(--soft)}dd{margin:0}
code{word-break:break-all;font-size:.9rem}
.add{display:inline-block;margin-top:1.25rem;padding:.55rem 1rem;border-radius:8px;
background:#0a66c2;color:#fff;text-decoration:none;font-weight:600}
@media (max-width:30rem){header img{width:7rem;height:7rem}dl{grid-template-columns:1fr}
dt{margin-top:.4rem}}
"""
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()


def content_security_policy(image_origin: str | None) -> str:
    """What the page may load: its own inline style and the badge image, nothing else."""
    images = "'self'" + (f" {image_origin}" if image_origin else "")
    return (
        f"default-src 'none'; img-src {images}; style-src '{STYLE_HASH}'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _in(texts: dict[str, str], lang: str) -> str:
    """A bilingual text in `lang`, else in the other language there is."""
    text = (texts.get(lang) or "").strip()
    return text or next((t.strip() for t in texts.values() if t and t.strip()), "")


def _paragraphs(text: str) -> str:
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return "".join(
        f"<p>{'<br>'.join(escape(line) for line in block.splitlines())}</p>"
        for block in blocks
        if block
    )


def _link(url: str) -> str | None:
    """`url` when it is an http(s) address that may be linked to, else None."""
    return url if origin_of(url) else None


@lru_cache(maxsize=1024)
def _date(day: object, lang: str) -> str:
    return format_date(day, format="long", locale=lang)  # type: ignore[arg-type]


def linkedin_url(facts: PublicBadgePage, name: str, zone: ZoneInfo) -> str:
    """LinkedIn's "add a licence or certification" form, filled in with this award."""
    issued = facts.issued_on.astimezone(zone)
    expires = facts.expires.astimezone(zone) if facts.expires is not None else None
    return _linkedin_url(
        name,
        facts.issuer_name,
        (issued.year, issued.month),
        (expires.year, expires.month) if expires else None,
        facts.page_url,
        facts.award_id,
    )


@lru_cache(maxsize=4096)
def _linkedin_url(
    name: str,
    organisation: str,
    issued: tuple[int, int],
    expires: tuple[int, int] | None,
    page_url: str,
    award_id: str,
) -> str:
    fields: dict[str, object] = {
        "startTask": "CERTIFICATION_NAME",
        "name": name,
        "organizationName": organisation,
        "issueYear": issued[0],
        "issueMonth": issued[1],
    }
    if expires is not None:
        fields |= {"expirationYear": expires[0], "expirationMonth": expires[1]}
    fields |= {"certUrl": page_url, "certId": award_id}
    return f"{LINKEDIN_ADD}?{urlencode(fields)}"


def _language_url(page_url: str, lang: str) -> str:
    return f"{page_url}?lang={quote(lang, safe='')}"


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= DESCRIPTION_PREVIEW:
        return flat
    return flat[: DESCRIPTION_PREVIEW - 1].rsplit(" ", 1)[0] + "…"


@lru_cache(maxsize=32)
def _words(lang: str, state: str) -> dict[str, str]:
    """The page's own texts in `lang`, escaped (Babel does not look inside f-strings, so each is
    a plain call here)."""
    _ = gettext_for(lang)
    if state == "revoked":
        said = _("This badge was revoked by its issuer.")
    elif state == "expired":
        said = _("This badge has expired.")
    else:
        said = _("This badge is valid.")
    words = {
        "state": said,
        "issued_by": _("Issued by"),
        "issued_on": _("Issued on"),
        "until": _("Expired on") if state == "expired" else _("Valid until"),
        "language": _("Language"),
        "criteria": _("Criteria"),
        "verify": _("Verify this badge"),
        "how": _(
            "This is an Open Badge: anyone can check who issued it and that it has not been "
            "changed. An Open Badges verifier checks it from this address:"
        ),
        "ob2": _("Open Badges 2.0 assertion (JSON-LD)"),
        "ob3": _("Open Badges 3.0 credential (VC-JWT)"),
        "linkedin": _("Add to LinkedIn profile"),
    }
    return {key: escape(text) for key, text in words.items()}


def render_page(
    facts: PublicBadgePage, lang: str, languages: tuple[str, ...], zone: ZoneInfo
) -> str:
    """The award's page in `lang`, linking to the same page in the city's other languages.
    Every text and address from the publisher is escaped once, then placed."""
    _ = gettext_for(lang)
    e = escape
    state_class = facts.state if facts.state in ("active", "revoked", "expired") else "revoked"
    words = _words(lang, state_class)
    state = words["state"]
    if state_class == "revoked" and facts.revocation_reason:
        state += " " + e(_("Reason: {reason}").format(reason=facts.revocation_reason))
    description = _in(facts.badge_description, lang)
    summary = description if state_class == "active" else f"{unescape(state)} {description}"
    criteria = _in(facts.criteria, lang)
    plain_name = _in(facts.badge_name, lang)
    name = e(plain_name)
    issuer_name = e(facts.issuer_name)
    preview = e(_preview(summary))
    page = e(facts.page_url)
    assertion = e(facts.assertion_url)
    # previews need an absolute address, and a PNG (Telegram and LinkedIn render no SVG)
    image = e(urljoin(facts.page_url, facts.preview_url))
    in_other = {
        other: e(_language_url(facts.page_url, other)) for other in languages if other != lang
    }

    head = [
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{name} · {issuer_name}</title>",
        f'<meta name="description" content="{preview}">',
        '<meta name="robots" content="noindex">',  # the learner shares it; search engines need not
        f'<link rel="canonical" href="{page}">',
        f'<link rel="alternate" hreflang="{e(lang)}" href="{e(_language_url(facts.page_url, lang))}">',
        *(f'<link rel="alternate" hreflang="{e(o)}" href="{url}">' for o, url in in_other.items()),
        f'<link rel="alternate" type="application/ld+json" href="{assertion}">',
        '<meta property="og:type" content="website">',
        f'<meta property="og:title" content="{name}">',
        f'<meta property="og:description" content="{preview}">',
        f'<meta property="og:image" content="{image}">',
        f'<meta property="og:image:alt" content="{name}">',
        f'<meta property="og:url" content="{page}">',
        f'<meta property="og:site_name" content="{issuer_name}">',
        f'<meta property="og:locale" content="{e(OG_LOCALES.get(lang, lang))}">',
        *(
            f'<meta property="og:locale:alternate" content="{e(OG_LOCALES.get(o, o))}">'
            for o in in_other
        ),
        '<meta name="twitter:card" content="summary">',
        f'<meta name="twitter:title" content="{name}">',
        f'<meta name="twitter:description" content="{preview}">',
        f'<meta name="twitter:image" content="{image}">',
        f'<meta name="twitter:image:alt" content="{name}">',
        f"<style>{STYLE}</style>",
    ]
    others = " · ".join(
        f'<a href="{url}" hreflang="{e(o)}" lang="{e(o)}">{e(LANGUAGE_NAMES.get(o, o))}</a>'
        for o, url in in_other.items()
    )
    issuer_link = _link(facts.issuer_url)
    issuer = (
        f'<a href="{e(issuer_link)}" rel="noopener noreferrer">{issuer_name}</a>'
        if issuer_link
        else issuer_name
    )
    issued = _date(facts.issued_on.astimezone(zone).date(), lang)
    dates = f"<dt>{words['issued_by']}</dt><dd>{issuer}</dd>"
    dates += f"<dt>{words['issued_on']}</dt><dd>{e(issued)}</dd>"
    if facts.expires is not None:
        expires = _date(facts.expires.astimezone(zone).date(), lang)
        dates += f"<dt>{words['until']}</dt><dd>{e(expires)}</dd>"
    body = [
        f'<nav aria-label="{words["language"]}">{others}</nav>' if others else "",
        "<article><header>",
        f'<img src="{e(facts.image_url)}" alt="{name}" width="160" height="160">',
        f"<div><h1>{name}</h1>",
    ]
    if facts.recipient_name:
        awarded = _("Awarded to {name}").format(name=facts.recipient_name)
        body.append(f'<p class="recipient">{e(awarded)}</p>')
    body += [
        f'<p class="state {state_class}" role="status">{state}</p></div></header>',
        _paragraphs(description),
        f"<dl>{dates}</dl>",
    ]
    if criteria:
        body += [f"<h2>{words['criteria']}</h2>", _paragraphs(criteria)]
    body += [
        f"<h2>{words['verify']}</h2><p>{words['how']}</p><p><code>{assertion}</code></p><ul>",
        f'<li><a href="{assertion}?format=json" type="application/ld+json">{words["ob2"]}</a></li>',
        f'<li><a href="{e(facts.credential_url)}" type="application/vc+jwt">{words["ob3"]}</a></li>',
        "</ul>",
    ]
    if state_class == "active":
        linkedin = e(linkedin_url(facts, plain_name, zone))
        body.append(
            f'<a class="add" href="{linkedin}" rel="noopener noreferrer">{words["linkedin"]}</a>'
        )
    body.append("</article>")
    return (
        f'<!doctype html>\n<html lang="{e(lang)}"><head>{"".join(head)}</head>'
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )


def render_not_found(lang: str) -> str:
    """What a badge page that does not exist (or no longer does) says."""
    _ = gettext_for(lang)
    title = _("Badge not found")
    text = _(
        "There is no badge at this address. Check the link, or ask whoever shared it with you."
    )
    return (
        f'<!doctype html>\n<html lang="{escape(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="robots" content="noindex"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body><main><article><h1>{escape(title)}</h1>"
        f"<p>{escape(text)}</p>"
        "</article></main></body></html>\n"
    )
