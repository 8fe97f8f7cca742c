"""The map's points payload: same filters, cacheable bytes, 304, aggregates, invalidation."""

import pytest

from mapapp import readmodel
from mapapp.models import Incident
from tests.test_moderation_review import signed_in
from tests.test_public_data import CASES, listed

# These tests are about filters and fields: every level is named here; the default
# publication policy has its own tests (test_publication_policy.py).
pytestmark = pytest.mark.usefixtures("every_level_named")


@pytest.fixture(autouse=True)
def fresh_cache():
    """Start each test with no built payload and no outage fallback from another test."""
    readmodel.forget_everything()
    yield
    readmodel.forget_everything()


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_points_honour_the_same_filter(client, incidents, query, expected):
    rows = client.get(f"/api/v1/points?{query}").json["rows"]
    assert {r[0] for r in rows} == {incidents[name] for name in expected}


def test_weak_etag_304_and_cdn_headers(client, incidents):
    first = client.get("/api/v1/points")
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    assert "public" in first.headers["Cache-Control"]
    assert "stale-if-error" in first.headers["Cache-Control"]
    again = client.get("/api/v1/points", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_low_zoom_sends_counts_per_region(client, incidents, monkeypatch):
    from mapapp.api import points

    monkeypatch.setattr(points, "POINTS_WITHOUT_AGGREGATING", 1)
    sido = client.get("/api/v1/points?zoom=6").json
    assert sido["view"] == "sido"
    counts = {row[0]: row[4] for row in sido["rows"]}
    assert counts == {"11": 2, "36": 1}
    assert client.get("/api/v1/points?zoom=9").json["view"] == "sigungu"
    assert client.get("/api/v1/points?zoom=12").json["view"] == "points"


def test_moderation_change_invalidates_the_payload(app, client, session, incidents):
    before = client.get("/api/v1/points").headers["ETag"]
    moderator = signed_in(app, session, "alice")
    token = moderator.get("/mod/incidents").get_data(as_text=True).split(
        'name="csrf_token" type="hidden" value="')[1].split('"')[0]
    moderator.post(f"/mod/incidents/{incidents['seoul']}/status",
                   data={"csrf_token": token, "action": "hide", "note": "검토"})
    assert session.get(Incident, incidents["seoul"]).status == "hidden"
    after = client.get("/api/v1/points")
    assert after.headers["ETag"] != before
    assert incidents["seoul"] not in {r[0] for r in after.json["rows"]}


def test_database_outage_serves_the_last_payload(app, client, incidents, monkeypatch):
    good = client.get("/api/v1/points").data
    from sqlalchemy.exc import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("database is down"))

    monkeypatch.setattr(readmodel, "data_version", down)
    answer = client.get("/api/v1/points")
    assert answer.status_code == 200 and answer.data == good
    assert client.get("/api/v1/points?sido=36").status_code == 503  # nothing cached for it


def test_payload_has_no_private_fields(client, incidents):
    body = client.get("/api/v1/points").get_data(as_text=True)
    assert "SECRET-BASIS" not in body and "<script>" not in body


def test_bbox_limits_points_to_the_viewport(client, incidents):
    seoul_only = "126.76,37.41,127.19,37.72"
    rows = client.get(f"/api/v1/points?bbox={seoul_only}").json["rows"]
    assert {r[0] for r in rows} == {incidents["seoul"], incidents["univ"]}
    assert listed(client, f"bbox={seoul_only}") == {incidents["seoul"], incidents["univ"]}
    for bad in ("1,2,3", "130,38,126,33", "0,0,1,1", "a,b,c,d"):
        everything = client.get(f"/api/v1/points?bbox={bad}").json["rows"]
        assert len(everything) == 3, bad  # an unusable box is ignored, never an error
