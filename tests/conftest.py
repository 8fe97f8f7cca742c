"""Fixtures: every test that uses `app` runs once on SpatiaLite and once on PostGIS.

The PostGIS run uses a throwaway database created from MAPAPP_TEST_POSTGRES (an admin URL;
`./dev test` sets it) and dropped at the end. It fails rather than skips when PostgreSQL is
unreachable, unless `--db sqlite` is given.
"""

import hashlib
import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from geodata.loader import load_all
from mapapp import create_app
from mapapp.extensions import db, limiter

BACKENDS = ("sqlite", "postgis")
TEST_CONFIG = {
    "ENV_NAME": "testing",
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-that-is-long-enough-000",
    "SESSION_COOKIE_SECURE": False,
    # High limits so ordinary tests never meet them; the rate-limit tests lower them.
    "TIP_RATE_LIMIT": "1000/hour",
    "TIP_GLOBAL_LIMIT": "10000/minute",
    "STATUS_RATE_LIMIT": "1000/hour",
    "TIP_PROOF_RATE_LIMIT": "1000/hour",
    "POW_COST": 10,  # proofs solved in a few milliseconds (tests/test_proof_of_work.py)
    "POW_MAX_COUNTER": 20,
    "PASSWORD_ARGON2": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},  # fast tests
}


def pytest_addoption(parser):
    """Add --db to choose the backends."""
    parser.addoption("--db", choices=(*BACKENDS, "both"), default="both",
                     help="which database backends to run the suite on")


def pytest_generate_tests(metafunc):
    """Run every test that needs a backend once per selected backend (or its only one)."""
    if "backend" in metafunc.fixturenames:
        choice = metafunc.config.getoption("--db")
        selected = BACKENDS if choice == "both" else (choice,)
        for only in BACKENDS:
            if metafunc.definition.get_closest_marker(f"{only}_only"):
                selected = tuple(b for b in selected if b == only)
        metafunc.parametrize("backend", selected, scope="session", indirect=True)


SERVICE_MODULES = {"test_reverse_proxy", "test_outages", "test_onion_service",
                   "test_exact_limits", "test_backup"}
# Tests of five seconds or more on their own (pytest --durations), left out of --fast.
SLOW_TESTS = {
    "test_load_again_is_idempotent", "test_an_upgraded_database_gets_its_forms_at_init",
    "test_a_flood_from_many_addresses_is_cut_by_the_global_ceiling",
    "test_the_timer_units_command_purges_a_real_database",
    "test_a_thousand_guesses_from_elsewhere_leave_the_moderators_device_working",
}


def pytest_collection_modifyitems(items):
    """Mark tests by what they need, so a quick loop can leave the heavy ones out."""
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1]
        if module.startswith("test_browser_"):
            item.add_marker(pytest.mark.browser)
        if module in SERVICE_MODULES:
            item.add_marker(pytest.mark.services)
        if module.startswith("test_fuzz"):
            item.add_marker(pytest.mark.fuzz)
        if item.originalname in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def backend(request):
    """The backend name of this run."""
    return request.param


def postgres_admin_url():
    """Return the admin URL for creating throwaway PostGIS databases."""
    user = os.environ.get("USER") or "postgres"
    default = f"postgresql+psycopg://{user}@/postgres?host=/var/run/postgresql"
    return os.environ.get("MAPAPP_TEST_POSTGRES", default)


@contextmanager
def throwaway_database(backend, folder):
    """Yield the URL of a new empty database, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"mapapp_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001  (any failure here means no PostGIS run)
        pytest.fail(f"PostgreSQL unreachable at {postgres_admin_url()}: {exc}. "
                    "Run the suite with ./dev test, or pass --db sqlite.")
    url = make_url(postgres_admin_url()).set(database=name)
    setup = create_engine(url)
    with setup.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    setup.dispose()
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory):
    """The database shared by this backend's run."""
    with throwaway_database(backend, tmp_path_factory.mktemp("db")) as url:
        yield url


ROOT = Path(__file__).resolve().parent.parent
# What the prepared database is made from: a change to any of these makes a new one.
DATABASE_SOURCES = ("migrations", "geodata", "mapapp/models")


def cached_database(database_url):
    """Where a prepared SpatiaLite file is kept between runs, or None when not asked for.

    MAPAPP_TEST_DB_CACHE names a folder (the mutation bench sets it: each mutant is a new pytest
    session, and migrating and loading the gazetteer would take most of its time). The file is
    named by a hash of everything that builds it, so a stale one is never used.
    """
    folder = os.environ.get("MAPAPP_TEST_DB_CACHE")
    if not folder or not database_url.startswith("sqlite:///"):
        return None
    digest = hashlib.sha256()
    for source in DATABASE_SOURCES:
        for path in sorted((ROOT / source).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return Path(folder) / f"{digest.hexdigest()[:16]}.sqlite"


@pytest.fixture(scope="session")
def app(database_url):
    """An app on a migrated database holding the full gazetteer."""
    cached = cached_database(database_url)
    target = Path(database_url.removeprefix("sqlite:///"))
    if cached is not None and cached.exists():
        shutil.copyfile(cached, target)
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    if cached is None or not cached.exists():
        with app.app_context():
            upgrade()
            load_all(db.session)
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(f".{uuid.uuid4().hex[:8]}.part")
            shutil.copyfile(target, partial)
            partial.replace(cached)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def session(app):
    """A database session whose work is rolled back after the test (commits become savepoints).

    No app context stays pushed, so every request in the test gets its own, as in production.
    """
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    # A plain SQLAlchemy session: Flask-SQLAlchemy's own get_bind() would ignore `bind` and go
    # to the engine, committing for real.
    scoped = scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"))
    saved, db.session = db.session, scoped
    try:
        yield scoped
    finally:
        scoped.remove()
        db.session = saved
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app, session):
    """A test client whose requests share the rolled-back session; rate limits start afresh."""
    limiter.reset()
    return app.test_client()


@pytest.fixture
def runner(app, session):
    """A CLI runner whose commands share the rolled-back session."""
    return app.test_cli_runner()


def pytest_report_header(config):
    """Say which backends this run covers."""
    choice = config.getoption("--db")
    chosen = BACKENDS if choice == "both" else (choice,)
    names = {"sqlite": "SpatiaLite (SQLite)", "postgis": "PostGIS (PostgreSQL)"}
    return "database backends: " + ", ".join(names[b] for b in chosen)


def pytest_terminal_summary(terminalreporter):
    """Print how many tests passed and failed on each backend."""
    tally = {}
    for outcome in ("passed", "failed", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            if report.when != "call" and outcome != "error":
                continue
            for name in BACKENDS:
                if f"[{name}" in report.nodeid or f"-{name}]" in report.nodeid:
                    tally.setdefault(name, {}).setdefault(outcome, 0)
                    tally[name][outcome] += 1
    for name in BACKENDS:
        if name in tally:
            counts = ", ".join(f"{n} {o}" for o, n in sorted(tally[name].items()))
            terminalreporter.write_line(f"backend {name}: {counts}")


@pytest.fixture
def every_level_named(app):
    """Name institutions at every level (a deployment's choice), for tests of filters that
    predate the policy; the default policy has its own tests (test_publication_policy.py)."""
    from mapapp import pagecache, readmodel
    from mapapp.models import VERIFICATION_LEVELS

    saved = app.config["PUBLICATION_POLICY"]
    app.config["PUBLICATION_POLICY"] = dict.fromkeys(VERIFICATION_LEVELS, "named")
    readmodel.invalidate()
    pagecache.clear()
    yield
    app.config["PUBLICATION_POLICY"] = saved
    readmodel.invalidate()
    pagecache.clear()


XSS = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
FORMULA = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture
def incidents(session):
    """Published incidents with known attributes, plus ones the public must never see."""
    from datetime import date

    from mapapp.models import Incident, Institution, utcnow

    def inst(source_id):
        return session.scalar(select(Institution.id).where(Institution.source_id == source_id))

    seoul = inst("B000001838")  # 서울휘경초등학교, 11 / 11230, elementary
    sejong_high = session.scalar(select(Institution.id).where(
        Institution.sido_code == "36", Institution.kind == "high").order_by(Institution.id))
    univ = session.scalar(select(Institution.id).where(Institution.kind == "university",
                                                       Institution.sido_code == "11")
                          .order_by(Institution.id))
    rows = {
        "seoul": (seoul, "published", "tips_only", date(2024, 8, 1), date(2024, 9, 1)),
        "sejong": (sejong_high, "published", "media_reported", date(2025, 3, 1),
                   date(2025, 3, 1)),
        "univ": (univ, "published", "officially_confirmed", date(2024, 1, 1), date(2024, 2, 1)),
        "draft": (seoul, "draft", "tips_only", date(2024, 8, 1), date(2024, 8, 1)),
        "hidden": (seoul, "hidden", "tips_only", date(2024, 8, 1), date(2024, 8, 1)),
        "retracted": (seoul, "retracted", "tips_only", date(2024, 8, 1), date(2024, 8, 1)),
    }
    ids = {}
    for name, (institution_id, status, level, first, last) in rows.items():
        item = Incident(institution_id=institution_id, status=status, verification_level=level,
                        first_reported_month=first, last_reported_month=last,
                        public_summary_ko=f"{name} {XSS}", public_summary_en=FORMULA,
                        public_sources=[f"https://example.org/{name}"],
                        verification_basis=f"SECRET-BASIS-{name}", published_at=utcnow(),
                        retraction_note="철회" if status == "retracted" else None,
                        retracted_at=utcnow() if status == "retracted" else None,
                        hidden_at=utcnow() if status == "hidden" else None)
        session.add(item)
        session.flush()
        ids[name] = item.id
    session.commit()
    return ids
