"""Viral-load test of the production profile: gunicorn + PostGIS + Redis, driven by wrk.

./dev load [--seconds S] [--sizes 10000,100000] [--connections C]

For each size: a fresh PostGIS database with the gazetteer and N published demo incidents;
gunicorn as configured in the repo (2 workers x 4 threads, no access log), the production
settings (MAPAPP_ENV_NAME=production, the limiter on Redis) with the tip limits raised so that
one loopback client is not throttled. Then wrk on loopback, S seconds a run:

- the mix a viral day sends: map page, first-view points payload (with and without
  If-None-Match), zoomed-in points, region outlines, list and stats pages, the Atom feed, the
  full CSV and GeoJSON exports (gzip, as browsers ask), and tip submission;
- each of those alone, for per-endpoint figures;
- a static file of the same server, the ceiling everything is compared with.

Printed: req/s, p50/p95/p99 latency, errors (socket errors and HTTP >= 400; 5xx apart) and the
ratio to the static file. wrk runs on the same 2 cores as the server, so every figure is a floor.
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from points import seed  # noqa: E402  (same seeding as the points benchmark)
from tips import Client, server  # noqa: E402  (same gunicorn start and tip form)

REDIS_URL = os.environ.get("MAPAPP_LOAD_REDIS", "redis://127.0.0.1:6379/14")
PRODUCTION = {"MAPAPP_ENV_NAME": "production", "REDIS_URL": REDIS_URL,
              "MAPAPP_PUBLIC_URL": "http://127.0.0.1:5000",
              "MAPAPP_STATUS_RATE_LIMIT": "1000000/hour"}
FIRST_VIEW = "/api/v1/points?zoom=7"
ZOOMED = "/api/v1/points?zoom=10&bbox=126.75,37.25,127.25,37.75"  # Seoul at zoom 10+

# What one viral visitor does, roughly: opens the map (page, count, first view, outlines),
# comes back later (304), zooms in, looks at the list and the stats; a few send a tip, and the
# link to the open data and the feed is shared (the exports are the heaviest answers we have).
MIX = (("GET /", 20), ("GET points first view", 20), ("GET points 304", 20),
       ("GET points zoomed", 10), ("GET regions", 5), ("GET /list", 20), ("GET /stats", 3),
       ("GET feed", 3), ("GET csv", 2), ("GET geojson", 2), ("POST /report", 5))
GZIP = {"Accept-Encoding": "gzip"}  # what every browser and feed reader sends

LUA = r"""
local requests = %(requests)s
local mix = %(mix)s
local counter = 0
statuses = {}  -- global: done() reads it from every thread
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("number", #threads)
end

function init(args)
  -- A request is one table, or a list of them used once each (tip forms: every token
  -- carries one tip); each thread takes every other one, so no two threads share one.
  built, used = {}, {}
  for name, r in pairs(requests) do
    if r.method then
      built[name] = wrk.format(r.method, r.path, r.headers, r.body)
    else
      built[name] = {}
      for i = number, #r, 2 do
        table.insert(built[name], wrk.format(r[i].method, r[i].path, r[i].headers, r[i].body))
      end
      used[name] = 0
    end
  end
  plan = {}
  for _, entry in ipairs(mix) do
    for _ = 1, entry[2] do table.insert(plan, entry[1]) end
  end
  counter = math.random(#plan)
end

function request()
  counter = counter %% #plan + 1
  local name = plan[counter]
  if used[name] then
    used[name] = used[name] %% #built[name] + 1
    return built[name][used[name]]
  end
  return built[name]
end

function response(status, headers, body)
  local class = math.floor(status / 100)
  statuses[class] = (statuses[class] or 0) + 1
end

function done(summary, latency, requests)
  local by_class = {0, 0, 0, 0, 0}
  for _, thread in ipairs(threads) do
    local seen = thread:get("statuses")
    for class = 1, 5 do by_class[class] = by_class[class] + (seen[class] or 0) end
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "seconds": %%f, "p50": %%d, "p95": %%d, "p99": %%d, ' ..
    '"socket_errors": %%d, "status_2xx": %%d, "status_3xx": %%d, "status_4xx": %%d, ' ..
    '"status_5xx": %%d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout,
    by_class[2], by_class[3], by_class[4], by_class[5]))
end
"""


def lua_string(text):
    """Quote text as a Lua long string."""
    level = "=" * 3
    return f"[{level}[{text}]{level}]"


def lua_table(value):
    """Render str/int/list/dict as a Lua table constructor."""
    if isinstance(value, str):
        return lua_string(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "{" + ", ".join(lua_table(v) for v in value) + "}"
    return "{" + ", ".join(f"[ {lua_string(k)} ] = {lua_table(v)}" for k, v in value.items()) + "}"


def get(port, path, headers=None):
    """Return (status, headers, body) of one GET."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path, headers=headers or {})
    answer = conn.getresponse()
    return answer.status, answer, answer.read()


TIP_FORMS = 3000  # forms opened before the load: each one carries one tip (single-use tokens)


def tip_requests(port, count=TIP_FORMS):
    """Open the tip form `count` times, as visitors do; return one valid POST for each."""
    forms = []
    for _ in range(count):
        client = Client(port)
        client.conn.close()
        headers = {"Cookie": client.cookie,
                   "Content-Type": "application/x-www-form-urlencoded"}
        forms.append({"method": "POST", "path": "/report", "headers": headers,
                      "body": client.body})
    return forms


def requests_for(port):
    """Every request of the mix, checked once by hand before the load."""
    for path in ("/", FIRST_VIEW, ZOOMED, "/api/v1/regions.geojson", "/list", "/stats",
                 "/feed.atom", "/api/v1/incidents.csv", "/api/v1/incidents.geojson"):
        status, _answer, _body = get(port, path, GZIP)
        assert status == 200, (path, status)
    _status, answer, _body = get(port, FIRST_VIEW)
    etag = answer.getheader("ETag")
    assert get(port, FIRST_VIEW, {"If-None-Match": etag})[0] == 304
    plain = {"method": "GET", "headers": {}, "body": ""}
    return {"GET /": {**plain, "path": "/"},
            "GET points first view": {**plain, "path": FIRST_VIEW},
            "GET points 304": {**plain, "path": FIRST_VIEW, "headers": {"If-None-Match": etag}},
            "GET points zoomed": {**plain, "path": ZOOMED},
            "GET regions": {**plain, "path": "/api/v1/regions.geojson"},
            "GET /list": {**plain, "path": "/list"},
            "GET /stats": {**plain, "path": "/stats"},
            "GET feed": {**plain, "path": "/feed.atom", "headers": GZIP},
            "GET csv": {**plain, "path": "/api/v1/incidents.csv", "headers": GZIP},
            "GET geojson": {**plain, "path": "/api/v1/incidents.geojson", "headers": GZIP},
            "POST /report": tip_requests(port),
            "GET static file": {**plain, "path": "/static/css/site.css"}}


def wrk(port, requests, mix, seconds, connections, folder):
    """Run wrk with this mix; return its figures as a dict (latencies in ms)."""
    script = Path(folder) / "mix.lua"
    script.write_text(LUA % {"requests": lua_table(requests), "mix": lua_table(mix)})
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s",
         str(script), f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True)
    if "RESULT " not in out.stdout:
        raise RuntimeError(f"wrk gave no result:\n{out.stdout}\n{out.stderr}")
    figures = json.loads(out.stdout.split("RESULT ", 1)[1])
    for key in ("p50", "p95", "p99"):
        figures[key] /= 1000
    figures["req_s"] = figures["requests"] / figures["seconds"]
    figures["errors"] = figures["socket_errors"] + figures["status_4xx"] + figures["status_5xx"]
    return figures


def run(incidents, seconds, connections):
    """Seed, start the production profile and run every mix; return table rows."""
    import redis

    from tests.conftest import throwaway_database
    redis.Redis.from_url(REDIS_URL).flushdb()
    rows = []
    with tempfile.TemporaryDirectory() as folder, \
            throwaway_database("postgis", Path(folder)) as url:
        seed(url, incidents)
        with server(url, PRODUCTION) as port:
            requests = requests_for(port)
            runs = [("mix", MIX)] + [(name, ((name, 1),)) for name, _weight in MIX]
            runs.append(("GET static file", (("GET static file", 1),)))
            for name, mix in runs:
                if any(entry == "POST /report" for entry, _weight in mix):
                    requests["POST /report"] = tip_requests(port)  # fresh forms every run
                rows.append((incidents, name, wrk(port, requests, mix, seconds, connections,
                                                  folder)))
    return rows


def main():
    """Run every size and print one table with ratios to the static file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    print(f"{'incidents':>9}  {'run':<22} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'p99 ms':>7} {'errors':>6} {'5xx':>5} {'vs static':>9}")
    for size in args.sizes.split(","):
        rows = run(int(size), args.seconds, args.connections)
        ceiling = rows[-1][2]["req_s"]
        for incidents, name, f in rows:
            print(f"{incidents:>9}  {name:<22} {f['req_s']:>8.0f} {f['p50']:>7.1f} "
                  f"{f['p95']:>7.1f} {f['p99']:>7.1f} {f['errors']:>6} {f['status_5xx']:>5} "
                  f"{f['req_s'] / ceiling:>9.2f}", flush=True)


if __name__ == "__main__":
    main()
