"""Mutation testing of the trust-critical modules: do the tests fail when the code is wrong?

./dev bench mutation [--keep] [--children N] [mutant-name pattern ...]

mutmut (configured in pyproject.toml's [tool.mutmut]: the modules and the tests that guard them)
changes one thing at a time in those modules (a comparison, a constant, a call's argument, a
returned value...) and runs the tests that reach the changed function. A mutant is killed when a
test fails or the run times out (the change made the code hang), and survives when every test
still passes. Then this script prints, per module, the mutants, how many were killed, the
equivalent ones excluded (listed with a reason in docs/mutation.md: changes no caller can see),
and the score = killed / (mutants - equivalent). Every survivor not listed as equivalent is
printed with its diff, and the exit status is 1 when a module is under TARGET.

Each mutant is a new pytest session; MAPAPP_TEST_DB_CACHE keeps the migrated SpatiaLite database
with the gazetteer between them (tests/conftest.py), which takes the run from about 5 s a mutant
to about 1 s. By default the run starts afresh (mutmut would otherwise keep verdicts from before
a test changed); --keep continues the last run.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
EQUIVALENTS = ROOT / "docs" / "mutation.md"
TARGET = 0.90
KILLED = {1, 3}  # a test failed (3: pytest's internal error, also a failure)
TIMEOUTS = {36, -24, 24, 152, 255}
NAME = re.compile(r"`([\w.ǁ]+__mutmut_\d+)`")


EXCLUDED_HEADINGS = ("## Equivalent mutants", "## Not reached on SpatiaLite")


def equivalents():
    """The mutant names docs/mutation.md lists under its "Equivalent mutants" and "Not reached
    on SpatiaLite" headings (PostgreSQL-only code: this bench runs the SpatiaLite suite)."""
    text = EQUIVALENTS.read_text(encoding="utf-8") if EQUIVALENTS.exists() else ""
    names = set()
    for heading in EXCLUDED_HEADINGS:
        names |= set(NAME.findall(text.partition(heading)[2].partition("\n## ")[0]))
    return names


def module_of(mutant):
    """mapapp.audit.x_digest__mutmut_3 -> mapapp.audit (methods are xǁClassǁname)."""
    return re.split(r"\.xǁ|\.x_", mutant, maxsplit=1)[0]


def verdicts():
    """Each mutant's exit code, from the .meta files mutmut leaves beside the mutated copies."""
    found = {}
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        found.update(json.loads(meta.read_text())["exit_code_by_key"])
    return found


def run_mutmut(children, patterns, keep):
    if not keep and MUTANTS.exists():
        shutil.rmtree(MUTANTS)
    env = {**os.environ, "MAPAPP_TEST_DB_CACHE": str(ROOT / "bench" / "out" / "test-db")}
    command = [str(Path(sys.executable).with_name("mutmut")), "run", "--max-children",
               str(children), *patterns]
    started = time.monotonic()
    # mutmut redraws a progress line; only its last screen is worth keeping.
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:], sep="\n")
        sys.exit(f"mutmut stopped with status {result.returncode}")
    return time.monotonic() - started


def show(mutant):
    command = [str(Path(sys.executable).with_name("mutmut")), "show", mutant]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    return "\n".join("      " + line for line in result.stdout.strip().splitlines()[2:])


def report(found, excluded, elapsed):
    by_module = defaultdict(Counter)
    survivors = []
    for mutant, code in found.items():
        counts = by_module[module_of(mutant)]
        if code is None:  # not checked (another pattern was asked for, or the run stopped)
            counts["unchecked"] += 1
            continue
        counts["mutants"] += 1
        if mutant in excluded:
            counts["equivalent"] += 1
        elif code in KILLED:
            counts["killed"] += 1
        elif code in TIMEOUTS:
            counts["killed"] += 1
            counts["timeout"] += 1
        else:
            counts["survived"] += 1
            survivors.append((mutant, code))
    unchecked = sum(c["unchecked"] for c in by_module.values())
    if unchecked:
        print(f"{unchecked} mutants were not checked: the table counts only the checked ones\n")
    if elapsed is not None:
        print(f"mutmut ran {len(found)} mutants in {elapsed / 60:.1f} min "
              f"({len(found) / elapsed:.2f} a second)\n")
    header = f"{'module':32} {'mutants':>7} {'killed':>7} {'(timeout)':>9} {'excl.':>6} " \
             f"{'survived':>8} {'score':>6}"
    print(header)
    print("-" * len(header))
    below = []
    total = Counter()
    for module in sorted(by_module):
        counts = by_module[module]
        total.update(counts)
        if counts["unchecked"]:
            print(f"{module:32} ({counts['unchecked']} of "
                  f"{counts['mutants'] + counts['unchecked']} not checked)")
        if not counts["mutants"]:
            continue
        score = counts["killed"] / max(1, counts["mutants"] - counts["equivalent"])
        if score < TARGET:
            below.append(module)
        print(f"{module:32} {counts['mutants']:7} {counts['killed']:7} {counts['timeout']:9} "
              f"{counts['equivalent']:6} {counts['survived']:8} {score:6.1%}")
    overall = total["killed"] / max(1, total["mutants"] - total["equivalent"])
    print("-" * len(header))
    print(f"{'all':32} {total['mutants']:7} {total['killed']:7} {total['timeout']:9} "
          f"{total['equivalent']:6} {total['survived']:8} {overall:6.1%}")
    stale = excluded - set(found)
    if stale:
        print(f"\n{len(stale)} mutant(s) listed as equivalent no longer exist (the code changed): "
              + ", ".join(sorted(stale)))
    if survivors:
        print(f"\nSurvivors not listed as equivalent ({len(survivors)}):")
        for mutant, code in sorted(survivors):
            why = "no test reaches it" if code in (5, 33) else "survived"
            print(f"  {mutant}  (exit {code}: {why})")
            print(show(mutant))
    return below


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="continue the last run")
    parser.add_argument("--children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--report-only", action="store_true", help="print the last run's results")
    parser.add_argument("patterns", nargs="*", help="mutant names, e.g. 'mapapp.audit*'")
    args = parser.parse_args()
    elapsed = None
    if not args.report_only:
        elapsed = run_mutmut(args.children, args.patterns, args.keep)
    found = verdicts()
    if not found:
        sys.exit("no mutants were checked")
    below = report(found, equivalents(), elapsed)
    if below:
        print(f"\nUnder {TARGET:.0%}: {', '.join(below)}")
        sys.exit(1)
    print(f"\nEvery module is at {TARGET:.0%} or above.")


if __name__ == "__main__":
    main()
