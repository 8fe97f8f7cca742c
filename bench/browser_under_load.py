"""The browser tests, several runs in a row, with every core kept busy: do they still pass?

./dev bench browser-load [--runs N] [--db sqlite|postgis|both] [pytest args]

A busy loop runs on each core (at the same priority as the tests) for the whole time, so
Chromium, the live servers and the databases all get less CPU than on a quiet machine. The
browser tests wait on the page's own state (tests/test_browser_map.py: wait_until), never on a
fixed delay, so they should pass every run; a run that fails is printed with its failures. The
exit status is 1 when any run failed.
"""

import argparse
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def spin(stop, parent):
    while not stop.is_set() and os.getppid() == parent:  # ends with its parent, however killed
        for _ in range(100_000):
            pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", default="both")
    args, pytest_args = parser.parse_known_args()
    stop = multiprocessing.Event()
    spinners = [multiprocessing.Process(target=spin, args=(stop, os.getpid()), daemon=True)
                for _ in range(os.cpu_count() or 2)]
    for process in spinners:
        process.start()
    print(f"{len(spinners)} busy loops running (one a core)")
    results = []
    try:
        for run in range(1, args.runs + 1):
            started = time.monotonic()
            done = subprocess.run([sys.executable, "-m", "pytest", "-m", "browser", "--db",
                                   args.db, "-q", "-p", "no:cacheprovider", *pytest_args],
                                  cwd=ROOT, capture_output=True, text=True)
            minutes = (time.monotonic() - started) / 60
            summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
            results.append(done.returncode)
            print(f"run {run} of {args.runs}: {'passed' if done.returncode == 0 else 'FAILED'}"
                  f" in {minutes:.1f} min: {summary}", flush=True)
            if done.returncode != 0:
                print(done.stdout[-6000:], done.stderr[-2000:], sep="\n")
    finally:
        stop.set()
        for process in spinners:
            process.join(timeout=5)
    passed = sum(code == 0 for code in results)
    print(f"{passed} of {len(results)} runs passed under load")
    sys.exit(0 if passed == len(results) else 1)


if __name__ == "__main__":
    main()
