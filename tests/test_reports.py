"""Anonymous tips: validation keeps input, traps store nothing, receipts are only hashed."""

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from mapapp.models import Institution, Report
from tests.helpers import csrf_token, receipt_code, send_tip, started_token, valid_tip


def count_reports(session):
    return session.scalar(select(func.count()).select_from(Report))


@pytest.fixture
def school(session):
    return session.scalar(select(Institution).where(Institution.source_id == "B000001838"))


def test_form_page_is_private_and_self_contained(client):
    page = client.get("/report")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    html = page.get_data(as_text=True)
    assert 'enctype="multipart' not in html and 'type="file"' not in html
    main = html.split("<main")[1].split("</main>")[0]
    # Nothing is loaded from elsewhere; the only addresses elsewhere are the help box's links
    # to the support centres, which the tipster may choose to open.
    assert re.findall(r"https://[^\"]*", main) == ["https://d4u.stop.or.kr"]
    assert 'href="https://d4u.stop.or.kr" rel="noopener noreferrer"' in main
    assert not re.search(r"(src|action|srcset|poster)=\"(https?:)?//", html)


def test_no_javascript_search_lists_matches(client, school):
    html = client.get("/report?q=휘경").get_data(as_text=True)
    assert f'value="{school.id}"' in html and "서울휘경초등학교" in html


def test_search_within_a_sido(client):
    html = client.get("/report?q=초등학교&sido=36").get_data(as_text=True)
    assert "세종" in html or "Sejong" in html


@pytest.mark.parametrize("sido", ["11", "26", "36"])
def test_a_sido_narrows_the_search_to_it(client, session, sido):
    """Fails if the 시/도 filter is dropped: 초등학교 matches schools in every 시/도."""
    everywhere = client.get("/api/v1/institutions?q=초등학교").json["results"]
    assert len({r["sido_code"] for r in everywhere}) > 1
    within = client.get(f"/api/v1/institutions?q=초등학교&sido={sido}").json["results"]
    assert within and {r["sido_code"] for r in within} == {sido}
    names = {i.name_ko for i in session.scalars(select(Institution).where(
        Institution.sido_code == sido, Institution.name_ko.contains("초등학교")))}
    html = client.get(f"/report?q=초등학교&sido={sido}").get_data(as_text=True)
    shown = set(re.findall(r'name="institution_id"[^>]*>\s*([^<]+?)\s*<', html))
    assert shown and shown <= names, shown - names


def test_tip_for_a_listed_school_is_stored_and_hashed(client, app, session, school):
    answer = send_tip(client, app, valid_tip(institution_id=str(school.id)))
    assert answer.status_code == 200, answer.get_data(as_text=True)[:2000]
    code = receipt_code(answer.get_data(as_text=True))
    assert code and len(code.replace("-", "")) == 16
    report = session.scalar(select(Report))
    assert report.institution_id == school.id
    assert (report.sido_code, report.sigungu_code) == ("11", "11230")
    assert report.occurred_month == date(2024, 8, 1)
    assert report.status == "pending" and report.personal_data_flags == []
    digits = code.replace("-", "")
    assert digits not in report.receipt_hash and report.receipt_hash.startswith("$argon2id$")
    assert report.receipt_lookup == digits[:8]


def test_tip_for_an_unlisted_place(client, app, session):
    fields = valid_tip(institution_text="어느 학원", sido_code="36", sigungu_code="36110")
    answer = send_tip(client, app, fields)
    assert answer.status_code == 200
    report = session.scalar(select(Report))
    assert report.institution_id is None and report.institution_text == "어느 학원"
    assert (report.sido_code, report.sigungu_code) == ("36", "36110")


BAD_FIELDS = [
    ({"description": ""}, "Please describe what happened."),
    ({"description": "x" * 2001}, "under 2000 characters"),
    ({"category": ""}, "Please choose what happened."),
    ({"category": "nonsense"}, "Not a valid choice"),
    ({"occurred_year": ""}, "Please choose the year."),
    ({"occurred_month": ""}, "Please choose the month."),
    ({"occurred_month": "13"}, "Not a valid choice"),
    ({"occurred_year": str(date.today().year), "occurred_month": "12"}, None),  # future unless Dec
    ({"source_url": "javascript:alert(1)"}, "http:// or https://"),
    ({"source_url": "ftp://example.org/x"}, "http:// or https://"),
    ({"source_url": "https://user:pw@example.org/"}, "user name or password"),
    ({"confirm": None}, "Please confirm to send the tip."),
    ({"institution_text": ""}, "Choose the school from the search results"),
    ({"institution_text": "어느 학교", "sido_code": ""}, "also choose its province"),
    ({"institution_text": "어느 학교", "sido_code": "11", "sigungu_code": "26110"},
     "not in the chosen province"),
    ({"sido_code": "99", "institution_text": "x"}, "province or city from the list"),
]


@pytest.mark.parametrize(("change", "message"), BAD_FIELDS)
def test_bad_values_give_a_clear_message_and_keep_the_input(client, app, session, change,
                                                             message):
    base = valid_tip(institution_text="테스트 학교", sido_code="11",
                     description="Kept text 보존 확인 <b>bold</b>")
    fields = {**base, **{k: v for k, v in change.items() if v is not None}}
    for key in [k for k, v in change.items() if v is None]:
        fields.pop(key)
    if message is None:  # the "future month" row: only meaningful before December
        if date.today().month == 12:
            pytest.skip("no future month left this year")
        message = "That month is in the future."
    answer = send_tip(client, app, fields)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert message in html
    assert count_reports(session) == 0
    if fields.get("description", "").startswith("Kept"):
        assert "Kept text 보존 확인 &lt;b&gt;bold&lt;/b&gt;" in html  # kept, and escaped
    if fields.get("institution_text"):
        assert f'value="{fields["institution_text"]}"' in html


def test_messages_are_in_korean_by_default(client, app):
    answer = send_tip(client, app, valid_tip(institution_text="테스트", sido_code="11",
                                             description="", category="nonsense"), lang="ko")
    html = answer.get_data(as_text=True)
    assert "무슨 일이 있었는지 적어 주세요." in html
    assert "올바르지 않은 선택값입니다." in html  # WTForms' own messages, translated too


def test_an_unknown_institution_id_is_treated_as_not_chosen(client, app, session):
    answer = send_tip(client, app, valid_tip(institution_id="999999999"))
    assert answer.status_code == 400
    assert count_reports(session) == 0


def test_search_button_keeps_everything_typed(client, app, session):
    fields = valid_tip(action="search", q="휘경", description="내가 쓴 글 그대로")
    answer = send_tip(client, app, fields)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "서울휘경초등학교" in html
    assert "내가 쓴 글 그대로" in html
    assert count_reports(session) == 0


def test_csrf_token_is_required(client, app, session):
    data = {**valid_tip(institution_text="학교", sido_code="11"),
            "started": started_token(app)}
    answer = client.post("/report", data=data)
    assert answer.status_code == 400
    assert count_reports(session) == 0
    html = answer.get_data(as_text=True)
    assert "Your session expired" in html or "세션" in html
    assert "Photos of students were edited" in html  # the text survives a CSRF failure
    # ...and the form comes back as a new one: a new timing token beside the new CSRF token.
    renewed = re.search(r'id="started" name="started" type="hidden" value="([^"]+)"', html)
    assert renewed and renewed.group(1) != data["started"]


def test_honeypot_gets_a_success_page_and_nothing_is_stored(client, app, session):
    answer = send_tip(client, app, valid_tip(institution_text="학교", sido_code="11",
                                             website="http://spam.example"))
    assert answer.status_code == 200 and receipt_code(answer.get_data(as_text=True))
    assert count_reports(session) == 0


def test_too_fast_gets_a_success_page_and_nothing_is_stored(client, app, session):
    answer = send_tip(client, app, valid_tip(institution_text="학교", sido_code="11"),
                      seconds_ago=1)
    assert answer.status_code == 200 and receipt_code(answer.get_data(as_text=True))
    assert count_reports(session) == 0


def test_forged_start_token_is_a_bot(client, app, session):
    page = client.get("/report")
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "started": "forged",
            **valid_tip(institution_text="학교", sido_code="11")}
    assert receipt_code(client.post("/report", data=data).get_data(as_text=True))
    assert count_reports(session) == 0


def test_uploads_are_refused(client, app, session):
    import io

    page = client.get("/report")
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)),
            "started": started_token(app), **valid_tip(institution_text="학교", sido_code="11"),
            "image": (io.BytesIO(b"\x89PNG fake"), "a.png")}
    answer = client.post("/report", data=data, content_type="multipart/form-data")
    assert answer.status_code == 415
    assert count_reports(session) == 0


def test_personal_data_is_flagged_and_the_tipster_asked_first(client, app, session):
    fields = valid_tip(institution_text="학교", sido_code="11",
                       description="가해자 연락처 010-1234-5678, 텔레그램 t.me/badroom")
    first = send_tip(client, app, fields)
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and 'id="pii-warning"' in html
    assert count_reports(session) == 0
    token = csrf_token(html)
    started = started_token(app)
    again = client.post("/report", data={**fields, "csrf_token": token, "started": started,
                                         "pii_ack": "1"})
    assert receipt_code(again.get_data(as_text=True))
    report = session.scalar(select(Report))
    assert report.personal_data_flags == ["link", "messenger", "phone"]


def test_status_lookup_with_the_receipt(client, app, session, school):
    code = receipt_code(send_tip(client, app, valid_tip(institution_id=str(school.id)))
                        .get_data(as_text=True))
    page = client.get("/report/status")
    token = csrf_token(page.get_data(as_text=True))
    answer = client.post("/report/status", data={"csrf_token": token, "code": code})
    assert answer.status_code == 200
    assert 'data-state="received"' in answer.get_data(as_text=True)
    report = session.scalar(select(Report))
    report.status, report.reply = "rejected", "확인할 수 없었습니다 <script>x</script>"
    session.commit()
    spaced = code.replace("-", " ")
    answer = client.post("/report/status", data={"csrf_token": token, "code": spaced})
    html = answer.get_data(as_text=True)
    assert 'data-state="not_published"' in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


@pytest.mark.parametrize("code", ["1234-5678-1234-5678", "12345", "abcd"])
def test_status_lookup_with_a_wrong_code(client, code):
    token = csrf_token(client.get("/report/status").get_data(as_text=True))
    answer = client.post("/report/status", data={"csrf_token": token, "code": code})
    html = answer.get_data(as_text=True)
    if len(code.replace("-", "")) == 16:  # well formed: looked up, and nothing matches
        assert answer.status_code == 404
        assert "No tip matches this code" in html or "일치하는 제보가 없습니다" in html
    else:  # not a receipt code at all: the form says so
        assert answer.status_code == 404 and "16" in html
    assert f'value="{code}"' in html  # what was typed comes back
    assert 'data-state=' not in html


def test_only_the_whole_code_opens_a_tip(client, app, session):
    """The first 8 digits find the row; the argon2 check of all 16 must still pass."""
    code = receipt_code(send_tip(client, app, valid_tip(
        institution_text="학교", sido_code="11")).get_data(as_text=True)).replace("-", "")
    token = csrf_token(client.get("/report/status").get_data(as_text=True))
    right = client.post("/report/status", data={"csrf_token": token, "code": code})
    assert right.status_code == 200 and "data-state=" in right.get_data(as_text=True)
    for wrong in (code[:8] + str((int(code[8:]) + 1) % 10**8).zfill(8),
                  code[:15] + str((int(code[15]) + 1) % 10)):
        answer = client.post("/report/status", data={"csrf_token": token, "code": wrong})
        assert answer.status_code == 404 and "data-state=" not in answer.get_data(as_text=True)


def test_demo_tips_cannot_be_looked_up(client, session):
    from mapapp import demo

    demo.seed(session, incidents=0, reports=3, seed_value=9)
    lookups = session.scalars(select(Report.receipt_lookup)).all()
    assert len(lookups) == 3
    token = csrf_token(client.get("/report/status").get_data(as_text=True))
    for lookup in lookups:
        for rest in ("00000000", "12345678", lookup):  # full 16-digit codes on each row
            code = (lookup + rest)[:16]
            assert len(code) == 16
            answer = client.post("/report/status", data={"csrf_token": token, "code": code})
            assert answer.status_code == 404, code


def test_autocomplete_api(client, school):
    data = client.get("/api/v1/institutions?q=서울휘경").json["results"]
    assert data[0]["id"] == school.id and data[0]["region_ko"] == "서울특별시 동대문구"
    assert data[0]["region_en"] == "Dongdaemun-gu, Seoul"
    assert client.get("/api/v1/institutions?q=").json["results"] == []
    assert client.get("/api/v1/institutions?q=%25").json["results"] == []  # % is literal


@pytest.mark.parametrize(("path", "form"), [
    ("/report?lang=en", "reports.tip"), ("/report/status?lang=en", "reports.status"),
    ("/corrections/status?lang=en", "public.correction_status")])
def test_tip_pages_post_back_in_the_language_they_were_read_in(client, app, path, form):
    """Tip pages set no language cookie (no lasting trace), so each form carries its page's
    language: an English search, error or receipt stays English."""
    html = client.get(path).get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1)
    assert action.endswith("lang=en"), action
    posted = client.post(action.replace("&amp;", "&"), data={
        "csrf_token": csrf_token(html), "started": started_token(app), "action": "search",
        "q": "휘경여고", "code": "1234"})
    assert '<html lang="en">' in posted.get_data(as_text=True)
    korean = client.get(path.replace("lang=en", "lang=ko")).get_data(as_text=True)
    assert re.search(r'<form method="post" action="[^"]+lang=ko"', korean)
