"""The read model: every public GET is bytes built once per data version and request, kept
within a byte budget, gzipped when large, with ETags and 304s; a warm answer asks the database
nothing, and made-up parameters or endless `q=` values cannot grow what is kept."""

import gzip
import threading

import pytest
from sqlalchemy import event

from mapapp import pagecache, readmodel
from mapapp.extensions import db
from mapapp.readmodel import Answer, ByteBudgetCache, make_answer

pytestmark = pytest.mark.usefixtures("every_level_named")
EXPORTS = ["/api/v1/incidents.csv", "/api/v1/incidents.geojson", "/feed.atom",
           "/api/v1/points", "/api/v1/points?view=count"]
PAGES = ["/", "/list", "/stats", "/list?sido=11&page=1"]


@pytest.fixture(autouse=True)
def fresh():
    readmodel.forget_everything()
    pagecache.clear()
    yield
    readmodel.forget_everything()
    pagecache.clear()


@pytest.fixture
def queries(app, session):
    """Count the SQL statements the app sends (the test's own included)."""
    sent = []
    engine = session.get_bind().engine

    def note(_conn, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    yield sent
    event.remove(engine, "before_cursor_execute", note)


def test_the_cache_is_bounded_in_bytes_not_entries():
    cache = ByteBudgetCache("NO_SUCH_SETTING", 10_000, cost=len)
    for n in range(100):
        cache.put(n, b"x" * 1000)
    assert cache.used <= 10_000 and len(cache) == 10
    assert cache.get(99) is not None and cache.get(0) is None  # the oldest went first
    cache.put("huge", b"x" * 20_000)  # heavier than the whole budget: not kept
    assert cache.get("huge") is None and cache.used <= 10_000


def test_the_budget_counts_at_least_what_small_entries_really_take():
    """A flood of made-up filters leaves many tiny answers: each must be counted at no less
    than the memory it really holds (key, answer, bytes, bookkeeping), or the budget lies."""
    import tracemalloc

    import orjson

    cache = ByteBudgetCache("NO_SUCH_SETTING", 10**12)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(5000):
            # Built as the answers are: orjson's bytes keep the 4 KB buffer they grew in.
            chunks = [orjson.dumps({"count": 0})] if n % 2 else [b'{"count":', b"0}"]
            cache.put((140234234, "100000-1796203277.163492", "points",
                       (f"q=q{n:05d}", "count")), make_answer(chunks, "application/json"))
        real = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert real <= cache.used, (real / 5000, cache.used / 5000)


def test_a_large_answer_is_kept_gzipped_only(monkeypatch):
    monkeypatch.setattr(readmodel, "KEEP_PLAIN_BELOW", 1000)
    chunks = [f"row {n},".encode() * 50 for n in range(40)]
    answer = make_answer(iter(chunks), "text/csv")
    assert answer.plain is None and answer.length == sum(map(len, chunks))
    assert gzip.decompress(answer.gzipped) == b"".join(chunks)
    small = make_answer(iter([b"{}"]), "application/json")
    assert small.plain == b"{}" and small.gzipped is None


def test_large_chunks_are_packed_in_order_on_a_helper_thread(monkeypatch):
    """Chunks of CHUNK bytes or more are hashed and gzipped on a helper thread while the next
    is built: the bytes and the ETag are those of the chunks in their order."""
    import hashlib
    import os
    import threading

    packers = []
    pack = readmodel._Packer._pack
    monkeypatch.setattr(readmodel._Packer, "_pack", lambda self, chunk: (
        packers.append(threading.get_ident()), pack(self, chunk)))
    chunks = [os.urandom(16) * (readmodel.CHUNK // 16) + str(n).encode() for n in range(60)]
    chunks.insert(7, b"a small one, packed where it is built")
    answer = make_answer(iter(chunks), "text/csv")
    whole = b"".join(chunks)
    assert gzip.decompress(answer.gzipped) == whole
    assert answer.etag == hashlib.sha1(whole).hexdigest()[:20]
    assert threading.get_ident() in packers and len(set(packers)) > 1


def test_freed_memory_goes_back_after_a_large_build(app, monkeypatch):
    from mapapp import memory

    assert memory.give_back(force=True)  # glibc: malloc_trim is there and runs
    trims = []
    monkeypatch.setattr(memory, "give_back", lambda force=False: trims.append(force))
    monkeypatch.setattr(readmodel, "LARGE", 100)
    with app.app_context():
        readmodel.cached(db.session, "test", "small", lambda: iter([b"x" * 99]), "text/plain")
        assert trims == []
        readmodel.cached(db.session, "test", "large", lambda: iter([b"x" * 100]), "text/plain")
    assert trims == [True]


def test_evictions_give_memory_back_at_most_every_few_seconds(monkeypatch):
    from mapapp import memory

    trims = []
    monkeypatch.setattr(memory, "_trim", trims.append)
    monkeypatch.setattr(memory, "_last", [float("-inf")])
    cache = ByteBudgetCache("NO_SUCH_SETTING", 100, cost=len)
    for n in range(20):
        cache.put(n, b"x" * 60)  # each put evicts the one before
    assert trims == [0]  # once, not twenty times
    monkeypatch.setattr(memory, "_last", [float("-inf")])
    cache.put("again", b"y" * 60)
    assert trims == [0, 0]


@pytest.mark.parametrize("path", EXPORTS + ["/api/v1/incidents/{seoul}"])
def test_gzip_etag_and_304_on_every_data_answer(client, incidents, path):
    path = path.format(**incidents)
    plain = client.get(path)
    zipped = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert plain.status_code == zipped.status_code == 200
    body = gzip.decompress(zipped.data) if zipped.headers.get("Content-Encoding") == "gzip" \
        else zipped.data
    assert body == plain.data and plain.headers["ETag"] == zipped.headers["ETag"]
    assert "public" in plain.headers["Cache-Control"]
    if len(plain.data) >= readmodel.GZIP_ABOVE:
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in zipped.headers["Vary"]
    again = client.get(path, headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_a_large_export_sent_plain_is_unzipped_on_the_way(client, incidents, monkeypatch):
    monkeypatch.setattr(readmodel, "KEEP_PLAIN_BELOW", 100)
    monkeypatch.setattr(readmodel, "CHUNK", 64)
    zipped = client.get("/api/v1/incidents.geojson", headers={"Accept-Encoding": "gzip"})
    plain = client.get("/api/v1/incidents.geojson")
    assert plain.headers.get("Content-Encoding") is None
    assert plain.data == gzip.decompress(zipped.data) and b'"FeatureCollection"' in plain.data


@pytest.mark.parametrize("path", EXPORTS + PAGES + ["/incidents/{seoul}",
                                  "/api/v1/incidents.csv?q=휘경", "/api/v1/points?q=휘경초"])
def test_a_warm_answer_asks_the_database_nothing(client, incidents, queries, path):
    path = path.format(**incidents)
    first = client.get(path)
    assert first.status_code == 200
    queries.clear()
    for _ in range(3):
        again = client.get(path)
        assert again.status_code == 200
        if "nonce" not in again.headers["Content-Security-Policy"] or path.startswith("/api"):
            assert again.data == first.data
    assert queries == [], queries[:3]


def test_made_up_parameters_make_no_new_entries(client, incidents):
    for n in range(50):
        assert client.get(f"/list?utm_source={n}&x{n}=1").status_code == 200
        assert client.get(f"/api/v1/incidents.csv?junk={n}").status_code == 200
    for sort in ("name", "period", "recent"):  # exports and points have no order of theirs
        assert client.get(f"/api/v1/incidents.csv?sort={sort}").status_code == 200
        assert client.get(f"/api/v1/points?sort={sort}").status_code == 200
    assert len(pagecache._pages) == 1
    assert len([k for k in readmodel._answers._items if k[2] == "csv"]) == 1
    assert len([k for k in readmodel._answers._items if k[2] == "points"]) <= 2  # + the count
    html = client.get("/list?utm_source=evil").get_data(as_text=True)
    assert "utm_source" not in html  # the language links keep only the filter


def test_endless_q_values_stay_within_the_budgets(client, incidents, app):
    budgets = {"READ_MODEL_BYTES": 200_000, "LAST_GOOD_BYTES": 50_000,
               "PAGE_CACHE_BYTES": 300_000}
    saved = {k: app.config.get(k) for k in budgets}
    app.config.update(budgets)
    try:
        for n in range(300):
            for path in (f"/list?q=q{n}", f"/api/v1/incidents.csv?q=q{n}",
                         f"/api/v1/points?q=q{n}", f"/feed.atom?q=q{n}"):
                assert client.get(path).status_code == 200
        assert readmodel._answers.used <= budgets["READ_MODEL_BYTES"]
        assert readmodel._last_good.used <= budgets["LAST_GOOD_BYTES"]
        assert pagecache._pages.used <= budgets["PAGE_CACHE_BYTES"]
        assert len(readmodel._answers) > 10  # still caching, within the budget
    finally:
        app.config.update(saved)


def test_an_incident_change_reaches_every_answer(client, session, incidents):
    from mapapp.models import Incident
    from mapapp.publishing import public_change

    before = {p: client.get(p).data for p in ("/api/v1/incidents.csv", "/feed.atom")}
    page = client.get(f"/incidents/{incidents['sejong']}").get_data(as_text=True)
    with public_change(session):
        session.get(Incident, incidents["sejong"]).status = "hidden"
        session.commit()
    for path, body in before.items():
        assert client.get(path).data != body, path
    assert client.get(f"/api/v1/incidents/{incidents['sejong']}").status_code == 404
    assert client.get(f"/incidents/{incidents['sejong']}").get_data(as_text=True) != page


def test_one_build_for_many_waiting_requests(app, session):
    builds, answers = [], []
    gate = threading.Event()

    def build():
        builds.append(1)
        gate.wait(5)
        yield b"built once"

    def ask():
        with app.app_context():
            answers.append(readmodel.cached(db.session, "test", "key", build, "text/plain"))

    with app.app_context():
        readmodel.data_version(db.session)  # read once, so the threads find it fresh
    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    while not builds:
        threading.Event().wait(0.01)
    gate.set()
    for thread in threads:
        thread.join(10)
    assert len(answers) == 6 and all(isinstance(a, Answer) for a in answers)
    assert {a.plain for a in answers} == {b"built once"} and len(builds) == 1


@pytest.mark.parametrize("q", ["휘경", "HWI", "초등학교", "%", "_", "no such school"])
def test_q_by_ids_and_by_the_sql_clause_agree(client, incidents, monkeypatch, q):
    from mapapp import textsearch

    by_ids = client.get("/api/v1/incidents.csv", query_string={"q": q}).data
    readmodel.forget_everything()
    monkeypatch.setattr(textsearch, "CANDIDATES", 0)  # every q through the SQL clause
    assert client.get("/api/v1/incidents.csv", query_string={"q": q}).data == by_ids


def test_a_made_up_q_scans_nothing(client, incidents, queries):
    client.get("/api/v1/incidents.csv?q=warm-up")
    queries.clear()
    for n in range(20):
        assert client.get(f"/list?q=made-up-{n}").status_code == 200
        assert client.get(f"/api/v1/incidents.csv?q=made-up-{n}").status_code == 200
    # Names are matched on the search index (tests/test_search.py checks its plans), never
    # by a LIKE over the institutions' own columns.
    assert not [q for q in queries if "like" in q.lower() and "institutions.name_" in q], \
        queries[:3]


def test_made_up_names_share_one_data_answer(client, incidents):
    def entries(kind):
        return [k for k in readmodel._answers._items if k[2] == kind]

    client.get("/api/v1/incidents.csv?q=made-up-0")
    client.get("/api/v1/points?q=made-up-0")
    first = {kind: entries(kind) for kind in ("csv", "points")}
    for n in range(1, 30):
        assert client.get(f"/api/v1/incidents.csv?q=made-up-{n}").status_code == 200
        assert client.get(f"/api/v1/points?q=made-up-{n}").json["rows"] == []
    assert {kind: entries(kind) for kind in ("csv", "points")} == first
    assert len(first["csv"]) == 1


def test_names_that_pick_the_same_schools_share_and_others_do_not(client, incidents):
    one = client.get("/api/v1/incidents.csv?q=휘경초").data
    assert client.get("/api/v1/incidents.csv?q=서울휘경초").data == one
    assert len([k for k in readmodel._answers._items if k[2] == "csv"]) == 1
    # A name that picks other schools is another entry, with other rows.
    other = client.get("/api/v1/incidents.csv?q=세종").data
    assert other != one and len([k for k in readmodel._answers._items if k[2] == "csv"]) == 2
    assert "휘경" in one.decode() and "휘경" not in other.decode()


def test_gunicorn_settles_the_heap_before_each_fork():
    """The workers start with the region names read (shared, not read again in each worker's
    first search), the application frozen out of the collector's sight and a young
    generation of YOUNG_COLLECTION_EVERY (a quarter of a cold export build otherwise)."""
    import gc
    import importlib.util
    from pathlib import Path

    from geodata.regions import region_names
    from mapapp import memory, textsearch

    path = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf", path)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    threshold = gc.get_threshold()
    try:
        gc.unfreeze()
        region_names.cache_clear()
        textsearch._WORDS.clear()
        conf.pre_fork(None, None)
        assert region_names.cache_info().currsize == 1 and textsearch._WORDS  # made once
        assert gc.get_freeze_count() > 1000
        assert gc.get_threshold()[0] == memory.YOUNG_COLLECTION_EVERY > threshold[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
