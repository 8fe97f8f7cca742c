"""Region names and codes read from the data files, so forms work even when the DB is down."""

from functools import lru_cache

import orjson

from geodata.loader import DATA


@lru_cache(maxsize=1)
def region_names():
    """Return ({sido code: (ko, en)}, {sido code: [(sigungu code, ko, en), ...]}).

    Read once per process (1.2 MB of boundaries: orjson takes a quarter of json's time), and
    in gunicorn's master before the workers fork (mapapp.textsearch.warm)."""
    sido = {}
    for f in orjson.loads((DATA / "sido.geojson").read_bytes())["features"]:
        p = f["properties"]
        sido[p["code"]] = (p["name_ko"], p["name_en"])
    sigungu = {code: [] for code in sido}
    for f in orjson.loads((DATA / "sigungu.geojson").read_bytes())["features"]:
        p = f["properties"]
        sigungu[p["parent_code"]].append((p["code"], p["name_ko"], p["name_en"]))
    for items in sigungu.values():
        items.sort(key=lambda item: item[1])
    return sido, sigungu


@lru_cache(maxsize=1)
def sigungu_names():
    """Return {시/군/구 code: Korean name} (every known 시/군/구)."""
    return {code: ko for items in region_names()[1].values() for code, ko, _ in items}
