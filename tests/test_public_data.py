"""The list, the incident page and the open-data exports: one filter, public fields only."""

import csv
import io
import json
import re

import pytest

from tests.conftest import XSS
from tests.helpers import HELP_SITES, links_elsewhere

# These tests are about filters and fields: every level is named here; the default
# publication policy has its own tests (test_publication_policy.py).
pytestmark = pytest.mark.usefixtures("every_level_named")


def listed(client, query=""):
    html = client.get(f"/list?{query}").get_data(as_text=True)
    return {int(i) for i in re.findall(r'data-incident="(\d+)"', html)}


def exported_csv(client, query=""):
    text = client.get(f"/api/v1/incidents.csv?{query}").get_data(as_text=True).lstrip("\ufeff")
    return {int(row["id"]) for row in csv.DictReader(io.StringIO(text))}


def exported_geojson(client, query=""):
    return {f["id"] for f in client.get(f"/api/v1/incidents.geojson?{query}").json["features"]}


CASES = [
    ("", {"seoul", "sejong", "univ"}),
    ("sido=11", {"seoul", "univ"}),
    ("sigungu=11230", {"seoul"}),
    ("sido=36", {"sejong"}),
    ("kind=high", {"sejong"}),
    ("kind=university", {"univ"}),
    ("level=media_reported", {"sejong"}),
    ("month_from=2024-09", {"seoul", "sejong"}),
    ("month_to=2024-08", {"seoul", "univ"}),
    ("month_from=2024-03&month_to=2024-12", {"seoul"}),
    ("q=휘경", {"seoul"}),
    ("sido=11&kind=elementary&month_from=2024-08&level=tips_only", {"seoul"}),
    ("sido=36&level=tips_only", set()),
    ("sido=XX&month_from=2024-13&kind=<b>&sort=evil&level=' OR 1=1", {"seoul", "sejong", "univ"}),
    ("month_from=0000-01&month_to=9999-12", {"seoul", "sejong", "univ"}),  # found by fuzzing
]


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_every_view_honours_the_same_filter(client, incidents, query, expected):
    want = {incidents[name] for name in expected}
    assert listed(client, query) == want
    assert exported_csv(client, query) == want
    assert exported_geojson(client, query) == want
    assert counted(client, query) == len(want)


def counted(client, query=""):
    """Return the match count of the map's count view, the map page and the stats page."""
    found = {client.get(f"/api/v1/points?view=count&{query}").json["count"]}
    for path in ("/", "/stats"):
        html = client.get(f"{path}?{query}").get_data(as_text=True)
        found.add(int(re.search(r'data-testid="(?:count|total)">\D*(\d+)', html).group(1)))
    assert len(found) == 1, found
    return found.pop()


def test_exports_carry_only_public_fields(client, incidents):
    for path in ("/api/v1/incidents.csv", "/api/v1/incidents.geojson", "/list"):
        body = client.get(path).get_data(as_text=True)
        assert "SECRET-BASIS" not in body, path
    feature = client.get("/api/v1/incidents.geojson").json["features"][0]
    assert "verification_basis" not in feature["properties"]


def test_text_is_inert_in_pages_and_exports(client, incidents):
    for path in ("/list", f"/incidents/{incidents['seoul']}", "/list?lang=en",
                 f"/incidents/{incidents['seoul']}?lang=en"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)" not in html and "<img src=x" not in html, path
    text = client.get("/api/v1/incidents.csv").get_data(as_text=True).lstrip("\ufeff")
    for row in csv.DictReader(io.StringIO(text)):
        assert row["summary_en"].startswith("'=")  # no formula runs in a spreadsheet
    geo = json.loads(client.get("/api/v1/incidents.geojson").get_data(as_text=True))
    assert XSS in geo["features"][0]["properties"]["summary_ko"]  # data intact, as a string


def test_incident_page_states(client, incidents):
    seoul = client.get(f"/incidents/{incidents['seoul']}").get_data(as_text=True)
    assert "https://example.org/seoul" in seoul and "정정" in seoul
    hidden = client.get(f"/incidents/{incidents['hidden']}").get_data(as_text=True)
    assert 'data-testid="summary"' not in hidden and "https://example.org/hidden" not in hidden
    retracted = client.get(f"/incidents/{incidents['retracted']}").get_data(as_text=True)
    assert "철회" in retracted and "https://example.org/retracted" not in retracted
    assert client.get(f"/incidents/{incidents['draft']}").status_code == 404


def test_public_pages_load_nothing_from_other_origins(client, incidents):
    for path in ("/list", f"/incidents/{incidents['seoul']}"):
        html = client.get(path).get_data(as_text=True)
        footer = html.index("<footer")
        assert not re.search(r'(src|href)="(https?:)?//(?!example\.org/)', html[:footer]), path
        assert sorted(links_elsewhere(html[footer:])) == sorted(HELP_SITES)


@pytest.mark.parametrize(("query", "expected"), CASES[:6])
def test_feed_honours_the_filter(client, incidents, query, expected):
    xml = client.get(f"/feed.atom?{query}").get_data(as_text=True)
    found = {int(i) for i in re.findall(r"<id>[^<]*/incidents/(\d+)</id>", xml)}
    assert found == {incidents[name] for name in expected}


def test_feed_is_well_formed_with_hostile_text(client, incidents):
    from xml.etree import ElementTree

    answer = client.get("/feed.atom")
    assert answer.mimetype == "application/atom+xml"
    root = ElementTree.fromstring(answer.data)  # escaped: still parses
    summaries = [e.text for e in root.iter("{http://www.w3.org/2005/Atom}summary")]
    assert any(XSS in s for s in summaries) and "SECRET-BASIS" not in answer.get_data(
        as_text=True)


def test_method_page_explains_the_levels(client):
    html = client.get("/method?lang=en").get_data(as_text=True)
    assert "two different moderators" in html and "Officially confirmed" in html


def test_exports_hold_the_record_the_popup_gives(client, session, incidents):
    """The exports read raw driver values (SQLite's text times and JSON) for speed: they must
    say exactly what the popup, read through the ORM types, says."""
    from datetime import UTC, datetime

    from mapapp.models import Incident
    from mapapp.publishing import public_change

    with public_change(session):  # a whole second: SQLite keeps it without microseconds
        item = session.get(Incident, incidents["univ"])
        item.published_at = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
        item.public_sources = ["https://a.example/1", "=HYPERLINK(1)"]
        session.commit()
    features = {f["id"]: f for f in client.get("/api/v1/incidents.geojson").json["features"]}
    text = client.get("/api/v1/incidents.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = {int(row["id"]): row for row in csv.DictReader(io.StringIO(text))}
    for name in ("seoul", "sejong", "univ"):
        record = client.get(f"/api/v1/incidents/{incidents[name]}").json
        feature = features[incidents[name]]
        assert feature["geometry"]["coordinates"] == [record["lon"], record["lat"]]
        assert {**feature["properties"], "lon": record["lon"], "lat": record["lat"]} == record
        row = rows[incidents[name]]
        for field in ("first_month", "last_month", "published_at", "sido_ko", "sigungu_ko",
                      "institution_ko", "kind", "verification_level"):
            assert row[field] == record[field], field
        assert row["demo"] == str(record["demo"]) and row["lat"] == str(record["lat"])
        assert row["location_approximate"] == str(record["location_approximate"])
    univ = client.get(f"/api/v1/incidents/{incidents['univ']}").json
    assert univ["published_at"] == "2025-01-02T03:04:05+00:00"
    assert univ["sources"] == ["https://a.example/1", "=HYPERLINK(1)"]
    assert rows[incidents["univ"]]["sources"] == "https://a.example/1 =HYPERLINK(1)"
    assert rows[incidents["univ"]]["published_at"] == "2025-01-02T03:04:05+00:00"
