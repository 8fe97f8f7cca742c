"""Forms people can fix: an error summary that links to each answer to fix, fields marked
invalid and described by their message, required answers marked, help near the tip form, and
a receipt that survives a change of language. For every public form, in both languages."""

import re

import pytest

from tests.helpers import csrf_token, receipt_code, send_tip, valid_tip


def summary_links(html):
    """Return the fragment ids the error summary links to (and check there is one)."""
    box = re.search(r'<div class="error-summary"[^>]*data-testid="error-summary">(.*?)</div>',
                    html, re.S)
    assert box, "no error summary"
    assert "autofocus" in html.split('data-testid="error-summary"')[0].rsplit("<div", 1)[1]
    return re.findall(r'<a href="#([^"]+)">', box.group(1))


def check_marked(html, ids):
    """Each id names a field on the page that is marked invalid and described by an error
    message that exists on the page."""
    for target in ids:
        tag = re.search(rf'<(input|select|textarea)[^>]*\bid="{re.escape(target)}"[^>]*>', html)
        assert tag, target
        assert 'aria-invalid="true"' in tag.group(0), tag.group(0)
        field = target[:-2] if re.search(r"-\d$", target) else target  # a radio's group
        if field == target:
            described = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
            assert described and f"{field}-error" in described.group(1).split(), tag.group(0)
        else:  # radios: the fieldset around them is described by the message
            assert f'aria-describedby="{field}-error"' in html
        assert re.search(rf'<p class="error" id="{re.escape(field)}-error">', html), field


@pytest.mark.parametrize("lang, year, month, what", [
    ("en", "Please choose the year.", "Please choose the month.", "Please choose what happened."),
    ("ko", "연도를 골라 주세요.", "월을 골라 주세요.", "어떤 일이 있었는지 골라 주세요.")])
def test_a_tip_with_errors_lists_and_links_each_one(client, app, lang, year, month, what):
    fields = valid_tip(institution_text="", occurred_year="", occurred_month="", category="",
                       description="", confirm=None)
    answer = send_tip(client, app, fields, lang=lang)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and f'<html lang="{lang}">' in html
    links = summary_links(html)
    assert links == ["institution_text", "occurred_year", "occurred_month", "category-0",
                     "description", "confirm"]
    check_marked(html, links)
    # The year and the month each say which one is missing, under itself.
    assert re.search(rf'id="occurred_year-error">.*{re.escape(year)}</p>', html)
    assert re.search(rf'id="occurred_month-error">.*{re.escape(month)}</p>', html)
    assert what in html
    untouched = re.search(r'<textarea[^>]*id="description"[^>]*>', html).group(0)
    assert 'aria-describedby="description-hint description-error"' in untouched
    source = re.search(r'<input[^>]*id="source_url"[^>]*>', html).group(0)
    assert 'aria-invalid="false"' in source and 'aria-describedby="source_url-hint"' in source


def test_a_name_without_its_province_points_at_the_province(client, app):
    answer = send_tip(client, app, valid_tip(institution_text="어느 학교", sido_code=""))
    html = answer.get_data(as_text=True)
    assert summary_links(html) == ["sido_code"]
    check_marked(html, ["sido_code"])


def test_required_answers_are_marked_in_both_languages(client):
    for lang, word in (("en", "(required)"), ("ko", "(필수)")):
        html = client.get(f"/report?lang={lang}").get_data(as_text=True)
        assert html.count(f'<span class="required">{word}</span>') == 5, lang
        assert 'aria-invalid="false"' in html and "error-summary" not in html


@pytest.mark.parametrize("lang, words", [
    ("en", ("not a police report", "1388", "Youth counselling", "02-735-8994")),
    ("ko", ("경찰 신고가 아닙니다", "1388", "청소년상담", "02-735-8994"))])
def test_help_is_at_the_top_of_the_tip_receipt_and_status_pages(client, app, lang, words):
    tip_page = client.get(f"/report?lang={lang}").get_data(as_text=True)
    sent = send_tip(client, app, valid_tip(institution_text="학교", sido_code="11"), lang=lang)
    receipt = sent.get_data(as_text=True)
    status = client.get(f"/report/status?lang={lang}").get_data(as_text=True)
    for name, html in (("form", tip_page), ("receipt", receipt), ("status", status)):
        main = html.split("<main")[1].split("</main>")[0]
        assert 'data-testid="help"' in main, name
        help_box = main.split('data-testid="help"')[1].split("</aside>")[0]
        for word in words:
            assert word in help_box, (name, word)
        assert '<a href="tel:1388">1388</a>' in help_box
        assert '<a href="https://d4u.stop.or.kr" rel="noopener noreferrer">' in help_box
    # On the form it comes before the first question.
    assert tip_page.index('data-testid="help"') < tip_page.index('id="tip-form"')


def test_the_receipt_changes_language_and_keeps_its_code(client, app):
    sent = send_tip(client, app, valid_tip(institution_text="학교", sido_code="11"), lang="ko")
    html = sent.get_data(as_text=True)
    code = receipt_code(html)
    # The language switch on the receipt posts the code back; no link could keep it.
    nav = html.split('aria-label="언어"')[1].split("</nav>")[0]
    assert "<a " not in nav and 'formaction="/report/receipt?lang=en"' in nav
    answer = client.post("/report/receipt?lang=en",
                         data={"csrf_token": csrf_token(html), "code": code})
    english = answer.get_data(as_text=True)
    assert answer.status_code == 200 and '<html lang="en">' in english
    assert receipt_code(english) == code and "Save this receipt code now" in english
    assert answer.headers["Cache-Control"] == "no-store"
    for bad in ("1234", "", "1234-5678-9012-345x"):
        refused = client.post("/report/receipt?lang=en",
                              data={"csrf_token": csrf_token(html), "code": bad})
        assert refused.status_code == 400, bad
    assert client.post("/report/receipt?lang=en", data={"code": code}).status_code == 400


@pytest.mark.parametrize("path", ["/report/status", "/corrections/status"])
def test_status_forms_mark_a_missing_code(client, path):
    token = csrf_token(client.get(path).get_data(as_text=True))
    html = client.post(path, data={"csrf_token": token, "code": ""}).get_data(as_text=True)
    check_marked(html, ["code"])


def test_correction_form_lists_its_errors_and_keeps_them_on_a_429(client, app, session,
                                                                  incidents, monkeypatch):
    path = f"/incidents/{incidents['sejong']}/correction?lang=en"
    token = csrf_token(client.get(path).get_data(as_text=True))
    fields = {"csrf_token": token, "requester_kind": "", "problem": "", "body": "",
              "contact": "교무실 02-000-0000"}
    html = client.post(path, data=fields).get_data(as_text=True)
    links = summary_links(html)
    assert links == ["requester_kind", "problem", "body"]
    check_marked(html, links)
    monkeypatch.setitem(app.config, "CORRECTION_RATE_LIMIT", "1 per hour")
    client.post(path, data=fields)
    limited = client.post(path, data={**fields, "body": "이 학교 이름이 틀렸습니다 " * 3})
    html = limited.get_data(as_text=True)
    assert limited.status_code == 429 and '<html lang="en">' in html
    assert "Nothing was saved, and what you typed is still below" in html
    assert "교무실 02-000-0000" in html and "이 학교 이름이 틀렸습니다" in html
    assert re.search(r"Please wait about \d+ minutes", html)


def test_other_429_pages_say_how_long_and_that_going_back_keeps_the_text(client, app,
                                                                         monkeypatch):
    monkeypatch.setitem(app.config, "STATUS_RATE_LIMIT", "1 per hour")
    token = csrf_token(client.get("/report/status?lang=ko").get_data(as_text=True))
    for _ in range(2):
        answer = client.post("/report/status?lang=ko",
                             data={"csrf_token": token, "code": "1234"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 429 and "Retry-After" in answer.headers
    assert re.search(r"약 \d+분 뒤에 다시 시도해 주세요", html)
    assert "뒤로 가기를 누르면 입력하신 내용이 남아 있습니다" in html


def test_tip_pages_carry_the_language_in_their_links_not_in_a_cookie(client):
    """A tip page sets no language cookie, so its links say the language themselves."""
    answer = client.get("/report?lang=en")
    html = answer.get_data(as_text=True)
    assert "lang=" not in answer.headers.get("Set-Cookie", "")
    nav = html.split('class="site-nav"')[1].split("</nav>")[0]
    assert nav.count("?lang=en") == 5 and 'href="/report/status?lang=en"' in html
    public = client.get("/list?lang=en").get_data(as_text=True)  # the cookie keeps it there
    assert "?lang=" not in public.split('class="site-nav"')[1].split("</nav>")[0]
