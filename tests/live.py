"""A real server in a thread, and Debian's Chromium driven by Playwright, for browser tests."""

import base64
import threading
from contextlib import contextmanager

from flask_migrate import upgrade
from werkzeug.serving import make_server

from geodata.loader import load_all
from mapapp import create_app
from mapapp.demo import seed
from mapapp.extensions import db
from tests.conftest import TEST_CONFIG, throwaway_database

CHROMIUM = "/usr/bin/chromium"
# Without these, Chromium reaches for Google's services at start (refused on a closed network).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
# Browser tests serve map tiles from this host themselves (page.route), a 1×1 PNG each.
TILE_HOST = "http://tiles.test"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB"
                       "0C8AAAAASUVORK5CYII=")


@contextmanager
def live_server(database_url, **config):
    """Serve a fresh app on a migrated database with the gazetteer; yield its base URL."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                      "TIP_MIN_FILL_SECONDS": 0, **config})
    with app.app_context():
        upgrade()
        load_all(db.session)
        db.session.commit()
        db.session.remove()
    try:
        with serving(app) as (port, _stop):
            yield app, f"http://127.0.0.1:{port}"
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@contextmanager
def demo_site(backend, tmp_path, *, incidents, reports, seed_value, also=None, **config):
    """A live server on a throwaway database with demo data and tiles from TILE_HOST; `also`
    adds rows of its own in the same session; TILE_URL="" draws the map without tiles.
    Yield (app, base URL, database URL)."""
    config.setdefault("TILE_URL", TILE_HOST + "/{z}/{x}/{y}.png")
    with throwaway_database(backend, tmp_path) as url, live_server(url, **config) as (app, base):
        with app.app_context():
            seed(db.session, incidents=incidents, reports=reports, seed_value=seed_value)
            if also:
                also(db.session)
            db.session.commit()
            db.session.remove()
        yield app, base, url


@contextmanager
def serving(app):
    """Serve the app on a loopback port in a thread; yield (port, stop), stop() to end early."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        server.server_close()
        thread.join(5)

    try:
        yield server.server_port, stop
    finally:
        if thread.is_alive():
            stop()


@contextmanager
def browser(javascript=True):
    """Yield a Playwright page in headless Chromium and the list of URLs it requested."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                          headless=True)
        context = chromium.new_context(java_script_enabled=javascript, locale="ko-KR")
        page = context.new_page()
        requested = []
        page.on("request", lambda request: requested.append(request.url))
        try:
            yield page, requested
        finally:
            context.close()
            chromium.close()


def read_rows(database_url, statement):
    """Run a SELECT on the live server's database from outside the app; return the rows."""
    from sqlalchemy import create_engine

    from mapapp.spatial import engine_options

    engine = create_engine(database_url, **engine_options(database_url))
    try:
        with engine.connect() as conn:
            return conn.execute(statement).all()
    finally:
        engine.dispose()
