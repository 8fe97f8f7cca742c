"""Every public GET at 100,000 published incidents, on SpatiaLite and PostGIS, under gunicorn.

./dev bench reads [--seconds S] [--sizes N,...] [--backend sqlite|postgis] [--distinct-q N]

For each public answer (CSV and GeoJSON exports, Atom feed, list, stats, an incident page, the
points payload): the cold build time (first request after a start), its size plain and gzipped,
and the warm throughput with 8 keep-alive clients, against the baseline of the same bytes (what
the app sent, gzip included) served as a static file by the same server in the same run. Then
the workers' resident memory before and after every endpoint was hit and after N distinct
`q=` values were asked of the list, the CSV, the points and the feed (a cache-busting flood).
"""

import argparse
import gzip
import http.client
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from points import seed  # noqa: E402  (same seeding as the points benchmark)
from tips import RUNNING, hammer, server  # noqa: E402  (same server and load generator)

GZIP = {"Accept-Encoding": "gzip"}
ANSWERS = {"csv": "/api/v1/incidents.csv", "geojson": "/api/v1/incidents.geojson",
           "atom": "/feed.atom", "list": "/list?sido=11&page=2", "stats": "/stats",
           "incident": "/incidents/{incident}", "points": "/api/v1/points?zoom=7"}


def fetch(port, path, headers=None):
    """Return (seconds, response, body) of one GET."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    started = time.perf_counter()
    conn.request("GET", path, headers=headers or {})
    answer = conn.getresponse()
    body = answer.read()
    return time.perf_counter() - started, answer, body


def workers_rss_mb(port):
    """Return the resident memory of each gunicorn worker, in MB."""
    master = RUNNING[port].pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


class Client:
    """One keep-alive connection asking with Accept-Encoding: gzip."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, path):
        self.conn.request("GET", path, headers=GZIP)
        answer = self.conn.getresponse()
        answer.read()
        return answer.status == 200


def flood_q(port, distinct):
    """Ask `distinct` different q= values, spread over four answers, from 8 clients."""
    paths = ["/list?q={}", "/api/v1/incidents.csv?q={}", "/api/v1/points?q={}",
             "/feed.atom?q={}"]

    def one(n):
        return fetch(port, paths[n % 4].format(f"q{n:05d}"), GZIP)[1].status

    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(one, range(distinct)))
    return time.perf_counter() - started, sum(s != 200 for s in statuses)


def run(backend, incidents, seconds, distinct):
    """Measure one backend at one size; return rows of figures."""
    import tips

    from tests.conftest import throwaway_database
    rows, memory = [], {}
    with tempfile.TemporaryDirectory() as folder, \
            throwaway_database(backend, Path(folder)) as url:
        seed(url, incidents)
        with server(url) as port:
            memory["rss_start_mb"] = workers_rss_mb(port)
            _s, _a, body = fetch(port, "/api/v1/points?zoom=12&bbox=124,33,132,39")
            incident = int(body.split(b'"rows":[[', 1)[1].split(b",", 1)[0])
            saved, tips.Client = tips.Client, Client
            try:
                for name, path in ANSWERS.items():
                    path = path.format(incident=incident)
                    cold, answer, sent = fetch(port, path, GZIP)
                    zipped = answer.getheader("Content-Encoding") == "gzip"
                    plain = gzip.decompress(sent) if zipped else sent
                    static = ROOT / "static" / f"bench-{name}.bin"
                    static.write_bytes(sent)  # the same bytes the app sent
                    try:
                        warm = hammer(port, 8, seconds, lambda c, p=path: c.get(p))
                        base = hammer(port, 8, seconds,
                                      lambda c, n=name: c.get(f"/static/bench-{n}.bin"))
                    finally:
                        static.unlink(missing_ok=True)
                    again, answer, _ = fetch(port, path, {"If-None-Match":
                                                          answer.getheader("ETag") or "-"})
                    rows.append({"backend": backend, "incidents": incidents, "answer": name,
                                 "cold_ms": cold * 1000, "plain_kb": len(plain) / 1024,
                                 "gzip_kb": len(sent) / 1024 if zipped else
                                 len(gzip.compress(plain)) / 1024,
                                 "warm_req_s": warm[0], "static_req_s": base[0],
                                 "warm_vs_static": warm[0] / base[0],
                                 "revalidate": answer.status, "errors": warm[3]})
            finally:
                tips.Client = saved
            memory["rss_after_every_answer_mb"] = workers_rss_mb(port)
            memory["q_flood_s"], memory["q_flood_errors"] = flood_q(port, distinct)
            memory["rss_after_q_flood_mb"] = workers_rss_mb(port)
    return rows, {"backend": backend, "incidents": incidents, "distinct_q": distinct, **memory}


def main():
    """Run every backend and size; print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--distinct-q", type=int, default=10_000)
    parser.add_argument("--backend", choices=("sqlite", "postgis"), action="append")
    args = parser.parse_args()
    tables, memories = [], []
    for backend in args.backend or ("sqlite", "postgis"):
        for size in args.sizes.split(","):
            rows, memory = run(backend, int(size), args.seconds, args.distinct_q)
            tables += rows
            memories.append(memory)
            print_table(rows)
            print(memory, flush=True)
    print("\nall runs")
    print_table(tables)
    for memory in memories:
        print(memory)


def print_table(rows):
    keys = list(rows[0])
    print("".join(f"{k:>16}" for k in keys))
    for row in rows:
        print("".join(f"{v:>16.1f}" if isinstance(v, float) else f"{v:>16}"
                      for v in row.values()), flush=True)


if __name__ == "__main__":
    main()
