"""What the attack round found, each kept from coming back: absolute links from the configured
origin only, feeds that stay XML, error pages that link only to us, the page cache rewriting
no visitor's text, bodies of the wrong type refused, numbers beyond the databases' integers, and
one tip per form token."""

import io
import re
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select

from mapapp.models import Incident, Institution, Report
from mapapp.textinput import NOT_XML, TextParameters, xml_text
from tests.helpers import csrf_token, links_elsewhere, receipt_code, started_token, valid_tip

NONCHARACTERS = [chr(c) for c in range(0xFDD0, 0xFDF0)] + [
    chr(plane * 0x10000 + end) for plane in range(17) for end in (0xFFFE, 0xFFFF)]
ALL_BAD = "".join(NONCHARACTERS) + "\x01\x0b\x7f\x85"
HUGE = "9223372036854775807"


def test_there_are_66_noncharacters_and_every_one_is_dropped_from_input():
    assert len(NONCHARACTERS) == 66
    cleaned = TextParameters({"q": f"a{ALL_BAD}\ud800b\tc\n", f"k{chr(0xFFFF)}": "v"})
    assert cleaned["q"] == "ab\tc\n" and cleaned["k"] == "v"
    assert not NOT_XML.search(xml_text("".join(map(chr, range(0x20, 0xD800)))))


def test_huge_numbers_in_parameters_are_the_default(client):
    params = TextParameters({"page": HUGE, "small": "7", "negative": "-" + HUGE})
    assert params.get("page", 1, type=int) == 1 and params.get("small", type=int) == 7
    assert params.get("negative", type=int) is None
    answer = client.get(f"/list?page={HUGE}")
    assert answer.status_code == 200


@pytest.fixture
def hostile_names(session, incidents, every_level_named):
    """Every noncharacter and control in every stored field the feed shows (written to the
    database directly, as a gazetteer file or an old row could hold them)."""
    from mapapp.publishing import public_change

    incident = session.get(Incident, incidents["sejong"])
    institution = session.get(Institution, incident.institution_id)
    institution.name_ko = f"학교{ALL_BAD}이름"
    institution.name_en = f"School{ALL_BAD}"
    with public_change(session):
        incident.public_summary_ko = f"요약{ALL_BAD}"
        incident.public_summary_en = f"summary{ALL_BAD}"
        incident.public_sources = [f"https://example.org/{ALL_BAD}"]
        session.commit()
    return institution.sigungu_code


def test_the_feed_parses_strictly_with_every_noncharacter_in_every_field(client, hostile_names):
    for query in ("", f"?sigungu={hostile_names}", f"?q=%ef%bf%bf학교&sigungu={hostile_names}",
                  "?lang=en"):
        answer = client.get(f"/feed.atom{query}")
        root = ElementTree.fromstring(answer.data)  # expat: refuses any character XML forbids
        titles = [e.text for e in root.iter("{http://www.w3.org/2005/Atom}title")]
        assert any("학교이름" in (t or "") for t in titles), (query, titles)
        assert not NOT_XML.search(answer.get_data(as_text=True)), query


def test_feed_links_use_the_public_url_not_the_host_header(client, app, incidents,
                                                            every_level_named):
    saved = app.config["PUBLIC_URL"]
    app.config["PUBLIC_URL"] = "https://map.example.org"
    try:
        xml = client.get("/feed.atom", headers={"Host": "evil.example"},
                         base_url="http://evil.example").get_data(as_text=True)
    finally:
        app.config["PUBLIC_URL"] = saved
    links = re.findall(r'(?:href="|<id>)([^"<]+)', xml)
    assert links and all(link.startswith("https://map.example.org/") for link in links), links
    assert "evil.example" not in xml


def test_production_needs_its_public_url():
    from mapapp import create_app

    production = {"ENV_NAME": "production", "SECRET_KEY": "x" * 40,
                  "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    with pytest.raises(RuntimeError, match="MAPAPP_PUBLIC_URL"):
        create_app(production)
    with pytest.raises(ValueError, match="PUBLIC_URL"):
        create_app({**production, "PUBLIC_URL": "javascript:alert(1)"})
    app = create_app({**production, "PUBLIC_URL": "https://map.example.org/"})
    assert app.config["PUBLIC_URL"] == "https://map.example.org"


@pytest.mark.parametrize("path", ["/%5Cevil.example/x", "/%09/evil.example/x",
                                  "//evil.example/x", "/%2F%2Fevil.example", "/incidents/0",
                                  "/list/%5C%5Cevil.example"])
def test_error_pages_link_only_to_our_own_site(client, path):
    answer = client.get(path, base_url="https://map.example.org")
    assert answer.status_code == 404
    hrefs = re.findall(r'href="([^"]*)"', answer.get_data(as_text=True))
    assert hrefs
    for href in hrefs:
        if href.startswith(("tel:", "mailto:")) or href in links_elsewhere(answer.get_data(
                as_text=True)):
            continue
        target = urlsplit(urljoin("https://map.example.org" + path, href.replace("\\", "/")))
        assert target.netloc == "map.example.org", (path, href)
    if not path.startswith("/incidents/"):  # no route matched: the home page in English
        assert 'href="/?lang=en"' in answer.get_data(as_text=True)


def test_language_links_keep_the_page_and_its_filters(client):
    html = client.get("/list?sido=11&page=1").get_data(as_text=True)
    assert 'href="/list?sido=11&amp;page=1&amp;lang=en"' in html


@pytest.mark.parametrize("typed", ["__CSP_NONCE__", "{nonce}", "nonce-"])
def test_the_page_cache_rewrites_no_text_a_visitor_typed(client, typed):
    pages = [client.get("/list", query_string={"q": typed}) for _ in range(3)]
    for page in pages:
        nonce = re.search(r"'nonce-([\w-]+)'", page.headers["Content-Security-Policy"]).group(1)
        html = page.get_data(as_text=True)
        assert f'value="{typed}"' in html, typed
        assert html.count(nonce) == len(re.findall(r'nonce="', html))  # only where we put it


@pytest.mark.parametrize("body", ["{bad", "[1,2]", "123", '{"description": "x"}'])
@pytest.mark.parametrize("path", ["/report", "/report/status", "/corrections/status",
                                  "/mod/login", "/mod/login/code"])
def test_a_json_body_is_refused_without_a_crash(client, path, body):
    answer = client.post(path, data=body, content_type="application/json")
    assert answer.status_code == 415
    assert client.post(path, data=body, content_type="text/plain").status_code == 415
    assert client.post(path, data=body, content_type="application/xml").status_code == 415


def test_an_empty_post_is_a_plain_csrf_refusal(client):
    assert client.post("/report").status_code == 400


def test_a_typed_body_that_is_empty_is_still_refused(client):
    """Only a POST with no type and no body is left to the CSRF check."""
    assert client.post("/report", data="", content_type="application/json").status_code == 415


FILES_REFUSED = ("Files cannot be sent here. Please describe what happened in words; never "
                 "send images or videos.")
OWN_FORMS_ONLY = "This address only accepts the site's own forms."


@pytest.mark.parametrize("path", ["/report", "/report/status", "/corrections/status"])
def test_a_file_upload_is_refused_and_told_to_use_words(client, app, path):
    """No file is ever accepted: possessing the material is a crime. The refusal says so, in
    the visitor's language (Korean by default)."""
    from flask_babel import gettext

    with app.test_request_context("/"):
        files_refused, own_forms_only = gettext(FILES_REFUSED), gettext(OWN_FORMS_ONLY)
    assert files_refused != FILES_REFUSED and own_forms_only != OWN_FORMS_ONLY
    answer = client.post(path, data={"file": (io.BytesIO(b"\x89PNG"), "a.png")},
                         content_type="multipart/form-data")
    assert answer.status_code == 415 and files_refused in answer.get_data(as_text=True)
    other = client.post(path, data="x", content_type="text/plain")
    assert other.status_code == 415
    assert own_forms_only in other.get_data(as_text=True)
    assert files_refused not in other.get_data(as_text=True)


def tip_form(client, app, token, **changes):
    page = client.get("/report")
    fields = {"institution_text": "테스트 학교", "sido_code": "11", **changes}
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "started": token,
            **valid_tip(**fields)}
    return client.post("/report?lang=en", data=data)


def test_one_form_token_carries_one_tip(client, app, session):
    token = started_token(app)
    first = tip_form(client, app, token)
    assert receipt_code(first.get_data(as_text=True))
    again = tip_form(client, app, token, description="A second, different tip text here.")
    html = again.get_data(as_text=True)
    assert again.status_code == 409 and "sent once already" in html
    assert "A second, different tip text here." in html  # nothing typed is lost
    assert receipt_code(html) is None
    assert session.scalar(select(func.count()).select_from(Report)) == 1
    fresh = re.search(r'name="started" type="hidden" value="([^"]+)"', html).group(1)
    assert fresh != token


def test_a_new_token_from_the_refusal_carries_the_next_tip(client, app, session):
    token = started_token(app)
    tip_form(client, app, token)
    html = tip_form(client, app, token).get_data(as_text=True)
    fresh = re.search(r'name="started" type="hidden" value="([^"]+)"', html).group(1)
    app.config["TIP_MIN_FILL_SECONDS"], saved = 0, app.config["TIP_MIN_FILL_SECONDS"]
    try:
        assert receipt_code(tip_form(client, app, fresh).get_data(as_text=True))
    finally:
        app.config["TIP_MIN_FILL_SECONDS"] = saved
    assert session.scalar(select(func.count()).select_from(Report)) == 2


def test_the_personal_data_step_does_not_spend_the_token(client, app, session):
    token = started_token(app)
    flagged = tip_form(client, app, token, description="Call her at 010-1234-5678 please.")
    assert flagged.status_code == 200 and receipt_code(flagged.get_data(as_text=True)) is None
    confirmed = tip_form(client, app, token, description="Call her at 010-1234-5678 please.",
                         pii_ack="1")
    assert receipt_code(confirmed.get_data(as_text=True))
    assert session.scalar(select(func.count()).select_from(Report)) == 1


def test_receipt_codes_typed_with_full_width_digits_are_the_same_code():
    from mapapp.reports.receipts import normalise

    assert normalise("１２３４－５６７８－９０１２－３４５６") == "1234567890123456"
    assert normalise("1234 5678 9012 3456") == "1234567890123456"
    assert normalise("²" * 16) is None and normalise("1234") is None


@pytest.mark.parametrize(("method", "path", "code"), [
    ("get", "/no-such-page", 404), ("get", "/incidents/999999", 404),
    ("delete", "/list", 405), ("get", "/mod/admin", None)])
def test_error_pages_speak_the_visitors_language(client, method, path, code):
    """No Werkzeug English ("Not Found", "The requested URL was not found…") on a Korean
    page: every error page says what happened in the page's language."""
    for lang, expected in (("ko", "페이지를 찾을 수 없습니다"), ("en", "Page not found")):
        answer = getattr(client, method)(f"{path}?lang={lang}")
        if code is None or answer.status_code in (302, 303):
            continue
        html = answer.get_data(as_text=True)
        assert answer.status_code == code
        assert "requested URL" not in html and "Not Found" not in html.replace(
            "Page not found", "")
        if code == 404:
            assert expected in html
        if lang == "ko":
            assert re.search(r"<h1>\d{3} [가-힣]", html), html[:400]
