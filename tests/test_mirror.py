"""flask publish-static: what the mirror holds, that it links only to itself or the application,
that its bytes are the application's, and that it follows changes (takedowns first of all).

What the publication policy allows in it is checked with every other public output
(tests/public_outputs.py puts every mirror file into the snapshots of test_publication_policy.py
and test_trust_walk.py); nginx and a browser walk it in test_browser_mirror.py.
"""

import base64
import gzip
import hashlib
import html
import json
import re
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask_migrate import upgrade

from geodata.loader import load_all
from mapapp import create_app, readmodel
from mapapp.extensions import db
from mapapp.mirror import auto, publish
from mapapp.mirror.links import Site, inline_hashes
from mapapp.models import Incident, Institution, utcnow
from mapapp.publishing import public_change
from tests.conftest import TEST_CONFIG, throwaway_database
from tests.helpers import HELP_SITES

APP_URL = "http://127.0.0.1:5000"  # the test config's PUBLIC_URL


def mirror(app, folder):
    with app.app_context():
        return publish(folder)


def pages(folder):
    return {p.relative_to(folder).as_posix(): p.read_text() for p in Path(folder).rglob("*.html")}


def links(page):
    return [html.unescape(url) for _attr, url in re.findall(r'\b(href|src|action)="([^"]*)"',
                                                            page)]


def test_every_link_resolves_in_the_mirror_or_on_the_application(app, session, incidents,
                                                                 tmp_path):
    summary = mirror(app, tmp_path)
    found = pages(tmp_path)
    assert {"index.html", "en/index.html", "list/index.html", "en/list/index.html",
            "stats/index.html", "method/index.html", "404.html", "en/404.html",
            f"incidents/{incidents['sejong']}/index.html",
            f"en/incidents/{incidents['univ']}/index.html"} <= set(found)
    assert summary["incident_pages"] == 4  # sejong, univ, hidden, retracted
    assert (tmp_path / "favicon.ico").read_bytes() == Path(app.static_folder, "favicon.ico"
                                                            ).read_bytes()
    to_app = set()
    for name, page in found.items():
        for url in links(page):
            parts = urlsplit(url)
            if url.startswith(APP_URL):
                to_app.add(parts.path)
                assert not parts.path.startswith(("/static", "/list", "/stats", "/method")) \
                    or parts.query, (name, url)
                if name.startswith("en/"):
                    assert "lang=en" in parts.query, (name, url)
            elif url.startswith("/"):
                target = tmp_path / parts.path.lstrip("/")
                assert (target / "index.html").is_file() if parts.path.endswith("/") \
                    else target.is_file(), (name, url)
            else:
                assert url.startswith(("#", "tel:", "https://example.org/")) or (
                    url in HELP_SITES), (name, url)
    assert {"/report", "/corrections/status",
            f"/incidents/{incidents['sejong']}/correction"} <= to_app


def test_what_the_mirror_does_not_hold_goes_to_the_application():
    site = Site(APP_URL, "ko", ("ko", "en"), {"/static/css/site.css": "/static/css/site.0a.css"})
    site.incidents, site.list_pages = {7}, 3
    assert site.path("/incidents/7", "en") == "/en/incidents/7/"
    assert site.path("/incidents/8", "ko") == f"{APP_URL}/incidents/8"  # not in the mirror
    assert site.path("/incidents/8", "en") == f"{APP_URL}/incidents/8?lang=en"
    assert site.path("/list?page=3&lang=en", "ko") == "/en/list/3/"
    assert site.path("/list?page=4", "ko") == f"{APP_URL}/list?page=4"
    assert site.path("/list?sido=11", "ko") == f"{APP_URL}/list?sido=11"  # filtered
    assert site.path("/api/v1/incidents.csv?kind=high", "ko") == \
        f"{APP_URL}/api/v1/incidents.csv?kind=high"
    assert site.path("/static/css/site.css", "en") == "/static/css/site.0a.css"
    assert site.path("/static/css/missing.css", "en") == f"{APP_URL}/static/css/missing.css?lang=en"
    assert site.path("/?sido=11#map", "en") == "/en/?sido=11#map"  # the map filters itself
    assert site.path("https://example.org/x", "en") == "https://example.org/x"


def test_pages_carry_a_hash_policy_for_exactly_their_inline_scripts(app, session, incidents,
                                                                    tmp_path):
    mirror(app, tmp_path)
    for name, page in pages(tmp_path).items():
        assert "nonce=" not in page, name
        policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">',
                           page).group(1)
        scripts = re.search(r"script-src ([^;]*)", policy).group(1).split()
        inline = [body for _tag, attributes, body in re.findall(
            r"<(script)((?:\s[^>]*)?)>(.*?)</script>", page, re.S)
            if "src=" not in attributes and "application/json" not in attributes]
        expected = [f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'"
                    for b in inline]
        assert scripts == ["'self'", *expected], name
        assert "'unsafe-inline'" not in policy and "object-src 'none'" in policy
    assert inline_hashes(pages(tmp_path)["index.html"])[0]  # the map has its folium script


def test_assets_are_content_hashed_and_the_same_bytes(app, session, tmp_path):
    mirror(app, tmp_path)
    page = (tmp_path / "index.html").read_text()
    hashed = [u for u in links(page) if u.startswith("/static/")]
    assert len(hashed) >= 6  # site.css, Leaflet and markercluster, filters, mirror, map
    for url in hashed:
        body = (tmp_path / url.lstrip("/")).read_bytes()
        stem, tag, suffix = url.rsplit(".", 2)
        assert tag == hashlib.sha256(body).hexdigest()[:10]
        assert Path(app.static_folder, f"{stem}.{suffix}".removeprefix("/static/")) \
            .read_bytes() == body
    assert "/static/js/mirror." in page and "data-mirror-points" in page


def test_data_and_exports_are_the_applications_bytes(app, session, client, incidents,
                                                     tmp_path):
    mirror(app, tmp_path)
    for path in ("/api/v1/incidents.csv", "/api/v1/incidents.geojson",
                 "/api/v1/regions.geojson", "/api/v1/openapi.json",
                 f"/api/v1/incidents/{incidents['sejong']}"):
        file = tmp_path / (path.lstrip("/") + (".json" if "/incidents/" in path else ""))
        assert file.read_bytes() == client.get(path).get_data(), path
    assert (tmp_path / "api/v1/regions/36.geojson").read_bytes() == client.get(
        "/api/v1/regions.geojson?sido=36").get_data()
    assert (tmp_path / "feed.atom").read_bytes() == client.get("/feed.atom?lang=ko").get_data()
    assert (tmp_path / "en/feed.atom").read_bytes() == client.get(
        "/feed.atom?lang=en").get_data()
    for packed in tmp_path.rglob("*.gz"):
        assert gzip.decompress(packed.read_bytes()) == packed.with_suffix("").read_bytes()
    # The map's file: every named pin the points API draws, and the counted ones as counts.
    points = json.loads(next(tmp_path.glob("data/points.*.json")).read_bytes())
    api = client.get("/api/v1/points").json["rows"]
    assert [r[:6] for r in points["rows"]] == sorted(api)
    counted = {r[1]: r[5] for r in points["counted"]}
    assert counted == {"11230": 1}  # the Seoul tips-only incident, in its 시/군/구
    assert "id" not in points["counted_fields"]


def test_hiding_an_entry_rewrites_its_page_and_removes_its_popup(app, session, incidents,
                                                                 tmp_path):
    first = mirror(app, tmp_path)
    sejong = incidents["sejong"]
    name = session.get(Institution, session.get(Incident, sejong).institution_id).name_ko
    assert name in (tmp_path / f"incidents/{sejong}/index.html").read_text()
    untouched = tmp_path / "method/index.html"
    before = untouched.stat().st_mtime_ns

    again = mirror(app, tmp_path)
    assert again["changed"] == 0 and again["removed"] == 0 and again["files"] == first["files"]

    item = session.get(Incident, sejong)
    with public_change(session):  # what publishing.hide() does, without the moderator
        item.status, item.hidden_at = "hidden", utcnow()
        session.commit()
    mirror(app, tmp_path)
    assert not (tmp_path / f"api/v1/incidents/{sejong}.json").exists()
    hidden_page = (tmp_path / f"incidents/{sejong}/index.html").read_text()
    assert 'data-testid="state"' in hidden_page
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.endswith(".gz")
                and name in p.read_bytes().decode("utf-8", "replace")]
    assert untouched.stat().st_mtime_ns == before  # unchanged files are not rewritten


def test_only_what_changed_is_rendered_again(app, session, incidents, tmp_path):
    first = mirror(app, tmp_path)
    again = mirror(app, tmp_path)
    assert again["pages"] == first["pages"] - 2 * first["incident_pages"]
    sejong, univ = incidents["sejong"], incidents["univ"]
    place = session.get(Institution, session.get(Incident, sejong).institution_id)
    place.name_ko = "새이름고등학교"  # its institution changed: its pages are rendered again
    session.commit()
    (tmp_path / f"en/incidents/{univ}/index.html").unlink()  # a file gone: rendered again
    third = mirror(app, tmp_path)
    assert third["pages"] == again["pages"] + 4
    assert "새이름고등학교" in (tmp_path / f"incidents/{sejong}/index.html").read_text()
    assert (tmp_path / f"en/incidents/{univ}/index.html").is_file()
    saved = app.config["PUBLICATION_POLICY"]
    app.config["PUBLICATION_POLICY"] = {**saved, "tips_only": "named"}
    readmodel.invalidate()  # a policy change needs a restart in production
    try:  # the site changed (here its policy): every page is rendered again
        fourth = mirror(app, tmp_path)
    finally:
        app.config["PUBLICATION_POLICY"] = saved
        readmodel.invalidate()
    assert fourth["incident_pages"] == 5  # the Seoul tips-only entry is named now
    assert fourth["pages"] == first["pages"] + 2


def test_an_entry_no_longer_public_leaves_no_file_behind(app, session, incidents, tmp_path):
    mirror(app, tmp_path)
    univ = incidents["univ"]
    stale = tmp_path / "stale.html"
    stale.write_text("left over")
    assert (tmp_path / f"en/incidents/{univ}/index.html").exists()
    with public_change(session):  # as an approved revision would
        session.get(Incident, univ).verification_level = "tips_only"  # counted: no page
        session.commit()
    summary = mirror(app, tmp_path)
    assert not (tmp_path / f"incidents/{univ}").exists()
    assert not (tmp_path / f"en/incidents/{univ}").exists()
    assert not (tmp_path / f"api/v1/incidents/{univ}.json").exists()
    assert not stale.exists() and summary["removed"] >= 1


def test_list_pages_and_languages(app, session, incidents, tmp_path, monkeypatch):
    monkeypatch.setattr("mapapp.public.incidents.PER_PAGE", 1)
    mirror(app, tmp_path)
    found = pages(tmp_path)
    assert {"list/index.html", "list/2/index.html", "en/list/2/index.html"} <= set(found)
    assert "list/3/index.html" not in found  # two named incidents, one per page
    assert 'href="/list/2/"' in found["list/index.html"]
    assert 'href="/en/list/2/" lang="en"' in found["list/2/index.html"]
    assert '<html lang="en">' in found["en/list/2/index.html"]
    for name, page in found.items():  # each page wholly in its language
        assert ("List of incidents" in page) == name.startswith("en/"), name
    assert 'data-testid="mirror-note"' in found["en/stats/index.html"]
    assert "<form" not in found["list/index.html"]  # a filter form would show unfiltered data


def test_live_pages_are_not_mirror_pages(app, session, client, incidents, tmp_path):
    assert "data-mirror-points" not in client.get("/").get_data(as_text=True)
    mirror(app, tmp_path)
    live = client.get("/").get_data(as_text=True)
    assert "data-mirror-points" not in live and "data-points-url" in live
    assert "mirror-note" not in client.get("/list").get_data(as_text=True)


def test_the_command(app, session, incidents, tmp_path):
    runner = app.test_cli_runner()
    answer = runner.invoke(args=["publish-static"])
    assert answer.exit_code != 0 and "MAPAPP_MIRROR_DIR" in answer.output
    answer = runner.invoke(args=["publish-static", str(tmp_path / "out")])
    assert answer.exit_code == 0, answer.output
    assert "4 incident pages" in answer.output
    assert (tmp_path / "out/index.html").is_file()


@pytest.fixture
def auto_site(backend, tmp_path):
    """An app that republishes its mirror after every change, on a database of its own (the
    publisher is a thread with its own session)."""
    with throwaway_database(backend, tmp_path) as url:
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url,
                          "MIRROR_DIR": str(tmp_path / "mirror"), "MIRROR_AUTO": True})
        with app.app_context():
            upgrade()
            load_all(db.session)
            db.session.commit()
        try:
            yield app, tmp_path / "mirror"
        finally:
            auto.wait(60)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def test_a_change_republishes_the_mirror_by_itself(auto_site):
    app, folder = auto_site
    with app.app_context():
        place = db.session.query(Institution).filter_by(kind="high", sido_code="36").first()
        item = Incident(institution_id=place.id, status="published",
                        verification_level="media_reported", public_summary_ko="자동",
                        first_reported_month=date(2025, 3, 1),
                        last_reported_month=date(2025, 3, 1), published_at=utcnow())
        db.session.add(item)
        db.session.commit()
        auto.wait(60)
        page = folder / f"incidents/{item.id}/index.html"
        assert place.name_ko in page.read_text()
        with public_change(db.session):
            item.status, item.hidden_at = "hidden", utcnow()
            db.session.commit()
        auto.wait(60)
        assert place.name_ko not in page.read_text()
        assert not (folder / f"api/v1/incidents/{item.id}.json").exists()
