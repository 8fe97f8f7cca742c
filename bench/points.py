"""The map's points payload at 10k and 100k published incidents, on SpatiaLite and PostGIS.

./dev bench points [--seconds S] [--backend sqlite|postgis]

For each backend and size: a fresh database, the gazetteer and N published demo incidents;
gunicorn as configured. Figures: gzip size of the first view's data (zoom 7 payload) and of
every point; the whole first view of the map page (HTML, our JS and CSS, vendored Leaflet, 시/도
outlines, count and zoom-7 payload; tiles not counted); cold latency (first build after a
change) and warm throughput of /api/v1/points and of the map page; and, as the baselines, the
same bytes (all points; the map page's HTML) served as static files by the same server.
"""

import argparse
import gzip
import http.client
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tips import VENV_BIN, hammer, server  # noqa: E402  (same server and load generator)

STATIC = ROOT / "static" / "bench-points.json"
STATIC_PAGE = ROOT / "static" / "bench-map.html"


def fetch(port, path):
    """Return (seconds, body) of one GET."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    conn.request("GET", path)
    body = conn.getresponse().read()
    return time.perf_counter() - started, body


def first_view_bytes(port):
    """Return the gzip bytes of everything the map page loads at first (tiles aside)."""
    _seconds, page = fetch(port, "/")
    assets = re.findall(rb'(?:src|href)="(/static/[^"]+\.(?:js|css))"', page)
    data = [b"/api/v1/regions.geojson", b"/api/v1/points?view=count", b"/api/v1/points?zoom=7"]
    total = len(gzip.compress(page))
    for path in [*assets, *data]:
        total += len(gzip.compress(fetch(port, path.decode())[1]))
    return total


def seed(database_url, incidents):
    """Add published demo incidents with the flask CLI."""
    env = {"DATABASE_URL": database_url, "FLASK_APP": "wsgi", "PATH": str(VENV_BIN)}
    subprocess.run([VENV_BIN / "flask", "init-db"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    subprocess.run([VENV_BIN / "flask", "geodata", "load"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    subprocess.run([VENV_BIN / "flask", "demo", "seed", "--incidents", str(incidents)],
                   env=env, cwd=ROOT, check=True, capture_output=True)
    if database_url.startswith("postgresql"):
        # Settle the fresh rows as autovacuum soon would: the first read of 100,000 new rows
        # otherwise also writes their hint bits and races the autovacuum for the two cores.
        from sqlalchemy import create_engine, text

        engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
        engine.dispose()


def run(backend, incidents, seconds):
    """Measure one backend at one size; return a dict of figures."""
    from tests.conftest import throwaway_database

    class Client:
        def __init__(self, port):
            self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

        def get(self, path):
            self.conn.request("GET", path)
            answer = self.conn.getresponse()
            answer.read()
            return answer.status == 200

    with tempfile.TemporaryDirectory() as folder, \
            throwaway_database(backend, Path(folder)) as url:
        seed(url, incidents)
        with server(url) as port:
            cold_first, first = fetch(port, "/api/v1/points?zoom=7")
            cold_all, everything = fetch(port, "/api/v1/points")
            STATIC.write_bytes(everything)
            page_total = first_view_bytes(port)
            STATIC_PAGE.write_bytes(fetch(port, "/")[1])
            import tips
            saved, tips.Client = tips.Client, Client
            try:
                warm = hammer(port, 8, seconds, lambda c: c.get("/api/v1/points"))
                page = hammer(port, 8, seconds, lambda c: c.get("/"))
                static = hammer(port, 8, seconds, lambda c: c.get("/static/bench-points.json"))
                static_page = hammer(port, 8, seconds, lambda c: c.get("/static/bench-map.html"))
            finally:
                tips.Client = saved
                STATIC.unlink(missing_ok=True)
                STATIC_PAGE.unlink(missing_ok=True)
    return {"backend": backend, "incidents": incidents,
            "first_view_gzip_kb": len(gzip.compress(first)) / 1024,
            "map_page_total_gzip_kb": page_total / 1024,
            "all_points_gzip_kb": len(gzip.compress(everything)) / 1024,
            "cold_first_view_ms": cold_first * 1000, "cold_all_points_ms": cold_all * 1000,
            "warm_req_s": warm[0], "warm_p95_ms": warm[2], "static_req_s": static[0],
            "warm_vs_static": warm[0] / static[0], "map_page_req_s": page[0],
            "map_page_p95_ms": page[2], "static_page_req_s": static_page[0],
            "map_page_vs_static": page[0] / static_page[0]}


def main():
    """Run every backend and size; print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--backend", choices=("sqlite", "postgis"), action="append")
    args = parser.parse_args()
    rows = [run(b, int(n), args.seconds) for b in args.backend or ("sqlite", "postgis")
            for n in args.sizes.split(",")]
    keys = list(rows[0])
    print("".join(f"{k:>20}" for k in keys))
    for row in rows:
        print("".join(f"{v:>20.1f}" if isinstance(v, float) else f"{v:>20}" for v in
                      row.values()))


if __name__ == "__main__":
    main()
