"""Time `geodata load` and `demo seed --incidents 100000` on SpatiaLite and PostGIS.

./dev bench [--incidents N] [--backend sqlite|postgis]

Each backend runs in its own process on a fresh database, so peak memory is its own. Baselines
from the same run: for the load, reading and placing the gazetteer in memory with no database;
for the seed, inserting the same number of rows with the raw DB-API driver (executemany, no ORM).
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(fn):
    """Run fn and return (seconds, result)."""
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def measure(backend, incidents):
    """Run every step on a fresh database and return the figures as a dict."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from geodata.loader import LoadResult, gazetteer_rows, load_regions, place_rows
    from mapapp import create_app, demo
    from mapapp.extensions import db
    from tests.conftest import TEST_CONFIG, throwaway_database

    figures = {"backend": backend, "incidents": incidents}
    with tempfile.TemporaryDirectory() as folder, throwaway_database(backend, Path(folder)) as url:
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            figures["migrate_s"], _ = timed(upgrade)
            session = db.session

            def parse_only():
                regions = load_regions(session)
                rows = list(place_rows(gazetteer_rows(regions), regions, LoadResult()))
                session.rollback()
                return len(rows)

            figures["parse_place_only_s"], figures["institutions"] = timed(parse_only)
            figures["load_cold_s"], _ = timed(lambda: _load(session))
            figures["load_again_s"], _ = timed(lambda: _load(session))
            figures["seed_s"], _ = timed(lambda: (demo.seed(session, incidents, 0, seed_value=1),
                                                  session.commit()))
            figures["raw_insert_s"] = _raw_insert_baseline(session, incidents, text)
        with app.app_context():
            db.engine.dispose()
    figures["load_vs_parse"] = figures["load_cold_s"] / figures["parse_place_only_s"]
    figures["seed_vs_raw"] = figures["seed_s"] / figures["raw_insert_s"]
    figures["seed_rows_per_s"] = incidents / figures["seed_s"]
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def _load(session):
    from geodata.loader import load_all

    load_all(session)
    session.commit()


def _raw_insert_baseline(session, count, text):
    """Insert `count` rows of the same width with the bare driver; return seconds."""
    session.execute(text("CREATE TABLE bench_raw (institution_id INTEGER, status VARCHAR(20), "
                         "level VARCHAR(30), summary TEXT, first_month DATE, last_month DATE, "
                         "report_count INTEGER, is_demo BOOLEAN)"))
    session.commit()
    rows = [(1 + i % 12000, "published", "tips_only", "[DEMO] synthetic", "2024-01-01",
             "2024-02-01", 1, True) for i in range(count)]
    raw = session.get_bind().raw_connection()  # outside the ORM's transaction
    marker = "?" if session.get_bind().dialect.name == "sqlite" else "%s"
    sql = f"INSERT INTO bench_raw VALUES ({', '.join([marker] * 8)})"
    started = time.perf_counter()
    cursor = raw.cursor()
    if marker == "?":
        cursor.execute("BEGIN")
    cursor.executemany(sql, rows)
    raw.commit()
    elapsed = time.perf_counter() - started
    raw.close()
    return elapsed


def print_table(results):
    """Print the figures side by side."""
    keys = ["institutions", "migrate_s", "parse_place_only_s", "load_cold_s", "load_again_s",
            "load_vs_parse", "incidents", "seed_s", "seed_rows_per_s", "raw_insert_s",
            "seed_vs_raw", "peak_rss_mb"]
    print(f"{'figure':<22}" + "".join(f"{r['backend']:>14}" for r in results))
    for key in keys:
        cells = []
        for r in results:
            value = r[key]
            cells.append(f"{value:>14.2f}" if isinstance(value, float) else f"{value:>14}")
        print(f"{key:<22}" + "".join(cells))


def main():
    """Run each backend in a child process and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgis"), action="append")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.backend[0], args.incidents)))
        return
    results = []
    for backend in args.backend or ("sqlite", "postgis"):
        out = subprocess.run([sys.executable, __file__, "--child", "--backend", backend,
                              "--incidents", str(args.incidents)],
                             check=True, capture_output=True, text=True, cwd=ROOT)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print_table(results)


if __name__ == "__main__":
    main()
