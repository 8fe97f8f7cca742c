"""Tip submission throughput and latency under gunicorn, on SpatiaLite (WAL) and PostGIS.

./dev bench tips [--seconds S] [--clients C] [--backend sqlite|postgis]

For each backend: a fresh database with the gazetteer, gunicorn as configured in the repo
(2 workers x 4 threads), rate limiting on with the limits raised. Then, from C client threads
on loopback, each endpoint for S seconds: POST /report (a full valid tip: CSRF, argon2id
receipt, insert), GET /healthz (one SELECT 1) and a static file, as baselines on the same
server in the same run. Loopback only, bounded in time.
"""

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent


def free_port():
    """Return a free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


RUNNING = {}  # port -> the gunicorn master's process


@contextmanager
def server(database_url, settings=None):
    """Prepare the database, run gunicorn on it (`settings` added to its env); yield the port."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "wsgi",
           "MAPAPP_SECRET_KEY": "bench-secret-key-bench-secret-key-000",
           "MAPAPP_SESSION_COOKIE_SECURE": "false", "MAPAPP_TIP_MIN_FILL_SECONDS": "0",
           "MAPAPP_TIP_RATE_LIMIT": "1000000/hour", "MAPAPP_TIP_GLOBAL_LIMIT": "1000000/minute",
           "PORT": str(port), "MALLOC_ARENA_MAX": "2", **(settings or {})}  # as ./dev starts it
    for command in (["init-db"], ["geodata", "load"]):
        subprocess.run([VENV_BIN / "flask", *command], env=env, cwd=ROOT, check=True,
                       capture_output=True)
    process = subprocess.Popen([VENV_BIN / "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                               env=env, cwd=ROOT)
    RUNNING[port] = process  # for benches that read the workers' memory
    try:
        for _ in range(100):
            try:  # answered, not only accepted: the master listens before a worker is up
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                break
            except (OSError, http.client.HTTPException):
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(10)


class Client:
    """One keep-alive connection that behaves like a browser posting the tip form."""

    TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
    STARTED = re.compile(r'id="started" name="started" type="hidden" value="([^"]+)"')

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.open_form()

    def open_form(self):
        """GET the tip form, keeping its cookie and a body carrying its tokens."""
        self.spent = False
        self.conn.request("GET", "/report")
        answer = self.conn.getresponse()
        html = answer.read().decode()
        self.cookie = answer.getheader("Set-Cookie").split(";", 1)[0]
        self.body = urlencode({
            "csrf_token": self.TOKEN.search(html).group(1),
            "started": self.STARTED.search(html).group(1),
            "institution_text": "벤치마크 학교", "sido_code": "11", "occurred_year": "2024",
            "occurred_month": "8", "category": "chatroom_sharing",
            "description": "benchmark tip " * 10, "confirm": "y", "action": "submit"})

    def tip(self):
        """Send a tip; each opens a form of its own first, as a visitor does (a form's token
        carries one tip)."""
        if self.spent:
            self.open_form()
        self.spent = True
        self.conn.request("POST", "/report", body=self.body, headers={
            "Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded"})
        answer = self.conn.getresponse()
        page = answer.read()
        return answer.status == 200 and b'data-testid="receipt"' in page

    def get(self, path):
        self.conn.request("GET", path)
        answer = self.conn.getresponse()
        answer.read()
        return answer.status == 200


def hammer(port, clients, seconds, action):
    """Run `action(client)` from many threads for a while.

    Return (requests per second, p50 ms, p95 ms, errors, cores used by this load generator).
    """
    latencies, errors, stop = [], [0], time.perf_counter() + seconds
    lock = threading.Lock()

    def worker():
        client = Client(port)
        mine = []
        while time.perf_counter() < stop:
            started = time.perf_counter()
            ok = action(client)
            mine.append(time.perf_counter() - started)
            if not ok:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    began, cpu = time.perf_counter(), time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    client_cores = (time.process_time() - cpu) / elapsed
    cuts = statistics.quantiles(latencies, n=100)
    return len(latencies) / elapsed, cuts[49] * 1000, cuts[94] * 1000, errors[0], client_cores


def run(backend, clients, seconds):
    """Measure the three endpoints on one backend; return rows for the table."""
    from tests.conftest import throwaway_database

    rows = []
    with tempfile.TemporaryDirectory() as folder, \
            throwaway_database(backend, Path(folder)) as url, server(url) as port:
        for name, action in (("POST /report (tip)", Client.tip),
                             ("GET /healthz", lambda c: c.get("/healthz")),
                             ("GET static css", lambda c: c.get("/static/css/site.css"))):
            rows.append((backend, name, *hammer(port, clients, seconds, action)))
    return rows


def main():
    """Run the backends and print one table with ratios to the baselines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--backend", choices=("sqlite", "postgis"), action="append")
    args = parser.parse_args()
    print(f"{'backend':<8} {'endpoint':<20} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'errors':>7} {'vs healthz':>10} {'client cores':>13}")
    for backend in args.backend or ("sqlite", "postgis"):
        rows = run(backend, args.clients, args.seconds)
        health = rows[1][2]
        for backend_name, name, rate, p50, p95, errors, cores in rows:
            print(f"{backend_name:<8} {name:<20} {rate:>8.0f} {p50:>8.1f} {p95:>8.1f} "
                  f"{errors:>7} {rate / health:>10.2f} {cores:>13.2f}")


if __name__ == "__main__":
    main()
