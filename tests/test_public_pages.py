"""The list and incident pages as people read them (issue 15): numbered pages, an empty
result that says so, an incident page with its address, dates and a locator map; the icon
and the description crawlers and phones ask for."""

import re

import pytest

from mapapp.models import Incident, Institution
from mapapp.public.incidents import Page


@pytest.mark.parametrize("number, last, shown", [
    (1, 1, [1]), (1, 3, [1, 2, 3]), (6, 40, [1, None, 4, 5, 6, 7, 8, None, 40]),
    (1, 40, [1, 2, 3, None, 40]), (40, 40, [1, None, 38, 39, 40]),
    (4, 8, [1, 2, 3, 4, 5, 6, None, 8]),
])
def test_page_numbers_show_the_ends_and_the_neighbours(number, last, shown):
    from mapapp.public.incidents import PER_PAGE

    assert Page(last * PER_PAGE, number, number > 1, number < last).numbers() == shown


def test_the_list_pages_by_number(client, incidents, monkeypatch):
    monkeypatch.setattr("mapapp.public.incidents.PER_PAGE", 1)
    html = client.get("/list?page=2&lang=en").get_data(as_text=True)
    nav = html.split('data-testid="pages"')[1].split("</nav>")[0]
    assert re.search(r'<a href="/list\?page=2" aria-current="page">'
                     r'<span class="visually-hidden">Page </span>2<', nav)
    # "Page 1" to a screen reader; the number alone to the eye.
    assert 'rel="prev"' in nav and '<span class="visually-hidden">Page </span>1<' in nav
    total = int(re.search(r'data-testid="total">(\d+)', html).group(1))
    assert f'<span class="visually-hidden">Page </span>{total}<' in nav
    korean = client.get("/list?page=2&lang=ko").get_data(as_text=True)
    assert '1<span class="visually-hidden">쪽</span>' in korean
    last = client.get(f"/list?page={total}&lang=en").get_data(as_text=True)
    assert 'rel="next"' not in last
    assert f'aria-current="page"><span class="visually-hidden">Page </span>{total}<' in last


@pytest.mark.parametrize("lang, path, words", [
    ("en", "/list?q=zzzqqq", "No published incident matches these filters."),
    ("ko", "/list?q=zzzqqq", "이 조건에 맞는 공개된 사례가 없습니다."),
    ("en", "/list?page=999", "There is no page 999"),
])
def test_an_empty_list_says_so(client, incidents, lang, path, words):
    html = client.get(f"{path}&lang={lang}").get_data(as_text=True)
    empty = html.split('data-testid="empty"')[1].split("</p>")[0]
    assert words in empty and 'data-testid="incidents"' not in html
    if "q=" in path:
        assert '<a href="/list">' in empty  # a way out: clear the filters


def test_an_incident_page_has_its_address_dates_and_a_locator(client, session, incidents):
    incident = session.get(Incident, incidents["sejong"])
    place = session.get(Institution, incident.institution_id)
    place.address = "세종특별자치시 어진동 1"
    session.commit()
    html = client.get(f"/incidents/{incident.id}?lang=en").get_data(as_text=True)
    assert '<dd lang="ko">세종특별자치시 어진동 1</dd>' in html
    assert f'<time datetime="{incident.published_at:%Y-%m-%d}">' in html
    figure = html.split('data-testid="locator"')[1].split("</figure>")[0]
    box = [float(v) for v in re.search(r'viewBox="([^"]+)"', figure).group(1).split()]
    x, y = (float(v) for v in re.search(r'cx="([\d.]+)" cy="([\d.]+)"', figure).groups())
    assert box[0] <= x <= box[0] + box[2] and box[1] <= y <= box[1] + box[3]
    assert re.search(r'<path d="M[\d., LMZ]+"', figure)
    assert f'href="/?sido={place.sido_code}&amp;sigungu={place.sigungu_code}"' in figure
    assert "Where it is in Sejong" in figure


def test_favicon_and_a_description_in_each_language(client):
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/vnd.microsoft.icon"
        assert icon.data[:4] == b"\x00\x00\x01\x00" and b"PNG" in icon.data[:40]
    for lang, word in (("ko", "딥페이크"), ("en", "deepfake")):
        for path in ("/", "/list", "/report", "/stats", "/method"):
            html = client.get(f"{path}?lang={lang}").get_data(as_text=True)
            description = re.search(r'<meta name="description" content="([^"]+)">', html)
            assert description and word in description.group(1), (lang, path)
            assert '<link rel="icon" href="/static/favicon.svg"' in html
