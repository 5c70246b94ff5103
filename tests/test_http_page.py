"""The public page of a badge, as the learner, an employer and a link preview see it: in
Slovenian or English, saying plainly whether the badge stands, with the tags that make a shared
link preview in Telegram and LinkedIn, and nothing from the issuer's texts run as markup."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.http_world import ACTIVE, EXPIRED, REVOKED, TRICKY, published
from tests.openbadges_world import CENTRE, ROBOTICS


class Page(HTMLParser):
    """What a crawler reads of a page: its meta tags, links, images and text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[dict[str, str]] = []
        self.anchors: list[dict[str, str]] = []
        self.images: list[dict[str, str]] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.lang = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        found = {name: value or "" for name, value in attrs}
        self.tags.append(tag)
        if tag == "html":
            self.lang = found.get("lang", "")
        if tag == "meta" and ("property" in found or "name" in found):
            self.meta[found.get("property") or found["name"]] = found.get("content", "")
        elif tag == "link":
            self.links.append(found)
        elif tag == "a":
            self.anchors.append(found)
        elif tag == "img":
            self.images.append(found)

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if data.strip():
            self.text.append(data.strip())

    @property
    def words(self) -> str:
        return " ".join(self.text)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with published(tmp_path_factory.mktemp("keys")) as world:
        yield world


def page(world, award_id: str, lang: str | None = None, accept_language: str | None = None):
    url = world.urls.public_page(award_id) + (f"?lang={lang}" if lang else "")
    headers = {"Accept-Language": accept_language} if accept_language else {}
    answer = httpx.get(url, headers=headers, timeout=10)
    return answer, Page(answer.text)


def test_a_shared_badge_opens_in_slovenian_with_its_facts(world):
    answer, shown = page(world, ACTIVE)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["content-language"] == "sl" and shown.lang == "sl"
    assert "Accept-Language" in answer.headers["vary"]
    words = shown.words
    assert "Robotski krožek" in words and "Robotics club" not in words
    assert "Ta značka je veljavna." in words
    assert "Podeljena osebi Ana Novak" in words
    assert "Izdajatelj" in words and CENTRE.name in words
    assert "21. november 2026" in words  # issued two days before 23 November, in Ljubljana
    assert "Udeležba na osmih srečanjih." in words  # the criteria
    assert "Preverite to značko" in words
    issuer = next(a for a in shown.anchors if a.get("href") == CENTRE.url)
    assert "noopener" in issuer["rel"]
    english = next(a for a in shown.anchors if a.get("hreflang") == "en")
    assert english["href"] == world.urls.public_page(ACTIVE) + "?lang=en"
    assert "English" in words


def test_the_same_page_in_english_by_choice_or_by_the_browser(world):
    for answer, shown in (
        page(world, ACTIVE, lang="en"),
        page(world, ACTIVE, accept_language="en-GB,en;q=0.9"),
        page(world, ACTIVE, accept_language="de-AT, en-US;q=0.8, sl;q=0.5"),
    ):
        assert answer.headers["content-language"] == "en" and shown.lang == "en"
        assert "This badge is valid." in shown.words
        assert "Awarded to Ana Novak" in shown.words
        assert "November 21, 2026" in shown.words
        assert "Robotics club" in shown.words
        slovenian = next(a for a in shown.anchors if a.get("hreflang") == "sl")
        assert slovenian["href"].endswith("?lang=sl") and "Slovenščina" in shown.words
    # ?lang= wins over the browser; a language the city does not offer is ignored
    assert page(world, ACTIVE, lang="sl", accept_language="en")[1].lang == "sl"
    assert page(world, ACTIVE, lang="de", accept_language="en")[1].lang == "en"
    assert page(world, ACTIVE, lang="<x>")[1].lang == "sl"


def test_a_link_preview_finds_title_description_and_an_absolute_image(world):
    _, shown = page(world, ACTIVE)
    meta = shown.meta
    assert meta["og:type"] == "website"
    assert meta["og:title"] == "Robotski krožek"
    assert meta["og:description"].startswith("Zgradil je robota")
    assert meta["og:image"] == world.urls.image(ROBOTICS.badge_id, "png")
    assert meta["og:image"].startswith("http://127.0.0.1:")  # absolute
    assert meta["og:url"] == world.urls.public_page(ACTIVE)
    assert meta["og:locale"] == "sl_SI" and meta["og:locale:alternate"] == "en_GB"
    assert meta["twitter:card"] == "summary"
    assert meta["twitter:image"] == meta["og:image"]
    assert meta["robots"] == "noindex"
    image = httpx.get(meta["og:image"], timeout=10)  # what the preview fetches is there
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"


def test_the_page_links_to_what_verifies_it_and_adds_it_to_linkedin(world):
    _, shown = page(world, ACTIVE, lang="en")
    hrefs = [a.get("href", "") for a in shown.anchors]
    assert world.urls.assertion(ACTIVE) + "?format=json" in hrefs
    assert world.urls.credential(ACTIVE) in hrefs
    assert world.urls.assertion(ACTIVE) in shown.words  # to paste into a verifier
    linkedin = next(h for h in hrefs if h.startswith("https://www.linkedin.com/profile/add?"))
    fields = {k: v[0] for k, v in parse_qs(urlsplit(linkedin).query).items()}
    assert fields == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Robotics club",
        "organizationName": CENTRE.name,
        "issueYear": "2026",
        "issueMonth": "11",
        "certUrl": world.urls.public_page(ACTIVE),
        "certId": ACTIVE,
    }
    assert "Add to LinkedIn profile" in shown.words


def test_a_revoked_badge_says_so_and_why_and_offers_no_linkedin(world):
    for lang, said in (
        ("sl", "Izdajatelj je to značko preklical. Razlog: Podeljena pomotoma."),
        ("en", "This badge was revoked by its issuer. Reason: Podeljena pomotoma."),
    ):
        answer, shown = page(world, REVOKED, lang=lang)
        assert answer.status_code == 200
        assert said in shown.words
        assert "veljavna" not in shown.words and "is valid" not in shown.words
        assert not any("linkedin" in a.get("href", "") for a in shown.anchors)
        assert shown.meta["og:description"].startswith(said.split(" Razlog")[0].split(" Reason")[0])


def test_an_expired_badge_says_so_with_the_day_it_expired(world):
    _, shown = page(world, EXPIRED, lang="sl")
    assert "Tej znački je potekla veljavnost." in shown.words
    assert "Veljala do" in shown.words and "19. oktober 2026" in shown.words
    _, shown = page(world, EXPIRED, lang="en")
    assert "This badge has expired." in shown.words
    assert "Expired on" in shown.words and "October 19, 2026" in shown.words
    assert not any("linkedin" in a.get("href", "") for a in shown.anchors)


def test_markup_in_a_badge_name_or_a_persons_name_is_shown_not_run(world):
    answer, shown = page(world, TRICKY)
    assert answer.status_code == 200
    body = answer.text
    assert "<script" not in body and "<b>" not in body.split("</style>")[1].replace("<br>", "")
    assert "&lt;script&gt;alert(&quot;sl&quot;)&lt;/script&gt; &amp; krožek" in body
    assert '<script>alert("sl")</script> & krožek' in shown.words  # as text, readable
    assert 'Tom & "Jerry" <b>' in shown.words
    assert shown.meta["og:title"] == '<script>alert("sl")</script> & krožek'
    assert "script" not in shown.tags and "b" not in shown.tags and "i" not in shown.tags
    assert "Prisotnost." in shown.words and "Izdelek." in shown.words


def test_the_page_loads_nothing_from_elsewhere_and_runs_no_script(world):
    answer, shown = page(world, ACTIVE)
    assert "script" not in shown.tags
    assert [img["src"] for img in shown.images] == [world.urls.image(ROBOTICS.badge_id, "png")]
    for link in shown.links:  # canonical and alternates only: no stylesheet, font or icon
        assert link["rel"] in ("canonical", "alternate")
        assert link["href"].startswith(world.base)
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert "<style>" in answer.text and "@media (max-width" in answer.text  # fits a phone
    assert shown.meta["viewport"].startswith("width=device-width")


def test_a_page_that_does_not_exist_says_so_in_the_readers_language(world):
    for award_id, lang, said in (
        ("a-9999", "sl", "Značke ni mogoče najti"),
        ("a-9999", "en", "Badge not found"),
        ("%2e%2e", "en", "Badge not found"),
        ("%3Cscript%3E", "sl", "Značke ni mogoče najti"),
    ):
        answer = httpx.get(world.base + f"/badges/{award_id}?lang={lang}", timeout=10)
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "text/html; charset=utf-8"
        assert said in answer.text and "<script>" not in answer.text
