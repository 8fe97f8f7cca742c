"""The default policy: a tips-only incident is counted in its 시/군/구 and named nowhere."""

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from mapapp.models import Incident, Institution
from tests.public_outputs import PUBLIC_PATHS, snapshot

SEOUL_SCHOOL = "B000001838"  # 서울휘경초등학교, 11 / 11230


@pytest.fixture
def tips_only(session, incidents):
    """The fixture's Seoul incident (tips only) with its institution's names."""
    item = session.get(Incident, incidents["seoul"])
    inst = session.get(Institution, item.institution_id)
    return {"id": item.id, "names": [n for n in (inst.name_ko, inst.name_en) if n],
            "summary": item.public_summary_ko, "source": "https://example.org/seoul",
            "sigungu": inst.sigungu_code, "lon": inst.lon}


def test_default_policy_names_only_from_outside_evidence(app):
    assert app.config["PUBLICATION_POLICY"]["tips_only"] == "counted"


def test_tips_only_is_named_in_no_public_output(client, incidents, tips_only):
    outputs = snapshot(client, [tips_only["id"], incidents["sejong"]])
    for path, (_status, body) in outputs.items():
        for secret in (*tips_only["names"], tips_only["summary"][:10], tips_only["source"]):
            assert secret not in body, (path, secret)
    assert outputs[f"/incidents/{tips_only['id']}"][0] == 404
    assert outputs[f"/api/v1/incidents/{tips_only['id']}"][0] == 404
    # A named incident still shows in every output that lists incidents.
    assert f'data-incident="{incidents["sejong"]}"' in outputs["/list"][1]
    assert "sejong" in outputs["/api/v1/incidents.csv"][1]


def test_tips_only_is_counted_in_its_sigungu(client, incidents, tips_only):
    points = client.get("/api/v1/points").json
    assert tips_only["id"] not in {row[0] for row in points["rows"]}
    sigungu = {row[0]: row[4] for row in client.get("/api/v1/points?zoom=9").json["rows"]}
    assert sigungu.get(tips_only["sigungu"]) == 1
    listed = client.get("/list").get_data(as_text=True)
    assert 'data-testid="counted"' in listed and "동대문구" in listed
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/incidents.csv").get_data(
        as_text=True).lstrip("\ufeff"))))
    unnamed = [r for r in rows if r["named"] == "False"]
    assert [r["sigungu_code"] for r in unnamed] == [tips_only["sigungu"]]
    assert unnamed[0]["institution_ko"] == unnamed[0]["lon"] == unnamed[0]["id"] == ""
    geo = json.loads(client.get("/api/v1/incidents.geojson").get_data(as_text=True))
    counted = [f for f in geo["features"] if f["geometry"] is None]
    assert len(counted) == 1 and "id" not in counted[0]
    # A counted feature says its region, period and level, nothing else and no nulls.
    assert counted[0]["properties"] == {
        "named": False, "sido_code": "11", "sido_ko": "서울특별시",
        "sigungu_code": tips_only["sigungu"], "sigungu_ko": "동대문구",
        "first_month": unnamed[0]["first_month"], "last_month": unnamed[0]["last_month"],
        "verification_level": unnamed[0]["verification_level"], "summary_ko": "",
        "summary_en": "", "sources": [], "demo": unnamed[0]["demo"] == "True"}
    assert re.fullmatch(r"\d{4}-\d{2}", unnamed[0]["first_month"])
    stats = client.get("/stats").get_data(as_text=True)
    assert 'data-testid="unnamed"' in stats


@pytest.mark.parametrize("query", ["q=휘경", "kind=elementary", "bbox=127.0,37.55,127.1,37.65",
                                   "q=휘경&sigungu=11230"])
def test_filters_that_pick_institutions_never_count_a_tips_only_incident(client, incidents,
                                                                         query):
    for zoom in (6, 9):
        rows = client.get(f"/api/v1/points?zoom={zoom}&{query}").json["rows"]
        assert sum(row[4] for row in rows) == 0, (query, zoom)
    assert 'data-testid="counted"' not in client.get(f"/list?{query}").get_data(as_text=True)
    csv_text = client.get(f"/api/v1/incidents.csv?{query}").get_data(as_text=True)
    assert "False" not in csv_text


def test_feed_parses_and_names_no_tips_only_incident(client, incidents, tips_only):
    body = client.get("/feed.atom").get_data(as_text=True)
    ET.fromstring(body.encode())
    assert all(name not in body for name in tips_only["names"])


def test_a_deployment_may_name_every_level(client, incidents, tips_only, every_level_named):
    assert tips_only["names"][0] in client.get("/list").get_data(as_text=True)
    assert client.get(f"/incidents/{tips_only['id']}").status_code == 200


def test_hidden_and_retracted_pages_do_not_name_the_institution(client, session, incidents):
    name = session.scalar(select(Institution.name_ko).join(
        Incident, Incident.institution_id == Institution.id).where(
        Incident.id == incidents["hidden"]))
    for key in ("hidden", "retracted"):
        page = client.get(f"/incidents/{incidents[key]}")
        assert page.status_code == 200
        assert name not in page.get_data(as_text=True), key


def test_method_page_states_the_policy(client):
    html = client.get("/method?lang=en").get_data(as_text=True)
    assert "counted in its 시/군/구 only" in html


def test_every_public_path_is_snapshotted(app):
    """A new public GET route must be considered by the policy tests."""
    public = {rule.rule for rule in app.url_map.iter_rules()
              if "GET" in rule.methods and not rule.rule.startswith(("/mod", "/static"))}
    considered = {p.split("?")[0] for p in PUBLIC_PATHS} | {
        "/incidents/<int:incident_id>", "/api/v1/incidents/<int:incident_id>",
        # Not about incidents: forms, their proof-of-work challenges, receipts, boundaries,
        # gazetteer, health, docs.
        "/report", "/report/status", "/report/challenge", "/incidents/<int:incident_id>/correction",
        "/corrections/status", "/api/v1/regions.geojson", "/api/v1/institutions", "/healthz",
        "/api/v1/openapi.json", "/method", "/support", "/favicon.ico"}
    assert public <= considered, sorted(public - considered)


@pytest.mark.parametrize("sort", ["recent", "period", "name"])
def test_the_list_pages_in_its_order_and_counts_named_entries(app, client, session, incidents,
                                                              monkeypatch, sort):
    from mapapp import pagecache
    from mapapp.policy import named_clause

    order = {"recent": (Incident.published_at.desc(), Incident.id.desc()),
             "period": (Incident.last_reported_month.desc(), Incident.id.desc()),
             "name": (Institution.name_ko, Incident.id)}[sort]
    with app.app_context():  # the policy is read from the app's config
        named = named_clause()
    expected = session.scalars(select(Incident.id).join(
        Institution, Institution.id == Incident.institution_id).where(
        Incident.status == "published", named).order_by(*order)).all()
    assert len(expected) == 2  # the Sejong and university entries; the Seoul one is counted
    html = client.get(f"/list?sort={sort}").get_data(as_text=True)
    assert [int(i) for i in re.findall(r'data-incident="(\d+)"', html)] == expected
    monkeypatch.setattr("mapapp.public.incidents.PER_PAGE", 1)  # one a page, in the same order
    pagecache.clear()  # page 1 was kept with two rows
    shown = []
    try:
        for number in (1, 2):
            html = client.get(f"/list?sort={sort}&page={number}").get_data(as_text=True)
            assert re.search(r'data-testid="total">\D*2\D', html)  # named only: not 3
            shown += [int(i) for i in re.findall(r'data-incident="(\d+)"', html)]
    finally:
        pagecache.clear()  # no one-row page is left for later tests
    assert shown == expected
