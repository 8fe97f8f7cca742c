"""Render the moderators' queue with 100,000 pending tips, on SpatiaLite and PostGIS.

./dev bench queue (bench/review_queue.py) [--tips N] [--repeat R]

Each backend: a fresh database with the gazetteer and N pending demo tips spread over 30 days.
A signed-in moderator requests queue pages in-process (full route: guard, burst detection,
grouped query, template); the baseline is /healthz in the same run.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = {"first page": "/mod/queue", "page 40": "/mod/queue?page=40",
         "one 시/도": "/mod/queue?sido=41", "bursts only": "/mod/queue?flag=burst",
         # Searches (issue 16): the institution's name, words in the tips (one matching every
         # demo tip, one matching none: a full scan), category with dates, all together.
         "name 초등학교": "/mod/queue?q=초등학교", "name 서울휘경": "/mod/queue?q=서울휘경",
         "text, all match": "/mod/queue?text=시연용",
         "text, none match": "/mod/queue?text=없는낱말",
         "category + dates": "/mod/queue?category=chatroom_sharing&since=2000-01-01"
                             "&until=2100-01-01",
         "everything at once": "/mod/queue?q=초등학교&sido=11&text=시연용&category=other"
                               "&since=2000-01-01",
         "baseline /healthz": "/healthz"}


def timings(client, path, repeat):
    """Return (median ms, p95 ms) of `repeat` requests."""
    spent = []
    for _ in range(repeat):
        started = time.perf_counter()
        answer = client.get(path)
        spent.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    return statistics.median(spent), statistics.quantiles(spent, n=20)[18]


def run(backend, tips, repeat):
    """Measure every page on one backend."""
    from flask_migrate import upgrade

    from geodata.loader import load_all
    from mapapp import create_app, demo
    from mapapp.extensions import db
    from mapapp.models import Moderator
    from mapapp.textsearch import warm
    from moderation import sessions
    from tests.conftest import TEST_CONFIG, throwaway_database

    rows = []
    with tempfile.TemporaryDirectory() as folder, \
            throwaway_database(backend, Path(folder)) as url:
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            load_all(db.session)
            demo.seed(db.session, incidents=0, reports=tips, seed_value=1)
            moderator = Moderator(username="bench", password_hash="x", role="admin")
            db.session.add(moderator)
            db.session.flush()
            token = sessions.start(db.session, moderator)  # a live server-side session
            db.session.commit()
            moderator_id = moderator.id
        warm()  # as gunicorn's master does before forking its workers
        client = app.test_client()
        with client.session_transaction() as s:
            s["_user_id"], s["_fresh"], s["sid"] = str(moderator_id), True, token
            s["login_at"] = s["seen_at"] = time.time()
        for name, path in PAGES.items():
            rows.append((backend, name, *timings(client, path, repeat)))
        with app.app_context():
            db.engine.dispose()
    return rows


def main():
    """Run both backends and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tips", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--backend", choices=("sqlite", "postgis"), action="append")
    args = parser.parse_args()
    print(f"{'backend':<8} {'page':<20} {'median ms':>10} {'p95 ms':>8}", flush=True)
    for backend in args.backend or ("sqlite", "postgis"):
        for b, name, median, p95 in run(backend, args.tips, args.repeat):
            print(f"{b:<8} {name:<20} {median:>10.1f} {p95:>8.1f}", flush=True)


if __name__ == "__main__":
    main()
