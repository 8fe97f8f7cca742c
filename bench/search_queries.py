"""Make the name-search test set (tests/data/search_queries.json) from the gazetteer.

./dev bench search --write   (or: python bench/search_queries.py DATABASE_URL)

Fifty institutions per family, picked with a fixed seed, each with the query a person might
type for it and the institution it must find (by its gazetteer source and id):
- name: the full name as written;        - short: the usual short form (휘경여고);
- no_prefix: without the city (휘경초);   - spaced: a space somewhere inside;
- region: a 시/도 or 시/군/구 word and the short form ("동대문구 휘경초", "서울 중앙고");
- typo: one syllable of the proper name wrong, or missing (not when that makes another
  school's name: then that school is the right answer);
- initials: 초성 of the short form (ㅎㄱㅇㄱ); three initials name dozens of schools
  (ㅅㅇㅈ: 상암중, 상원중, 신월중…), so those come with a region word, as a person would
  narrow them ("양천구 ㅅㅇㅈ");
- english: the English or romanized name.
A name shared by more than three institutions (중앙고등학교) only enters the region family:
alone it cannot say which school is meant.
"""

import json
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "tests" / "data" / "search_queries.json"
PER_FAMILY = 50
HANGUL = [chr(c) for c in range(0xAC00, 0xD7A4, 97)]  # a spread of syllables for typos


def institutions(database_url):
    """Return active institutions with their regions, from a loaded database."""
    from sqlalchemy import create_engine, select

    from mapapp.models import Institution
    from mapapp.spatial import configure_engine, engine_options

    engine = create_engine(database_url, **engine_options(database_url))
    configure_engine(engine)
    with engine.connect() as conn:
        return conn.execute(select(
            Institution.source, Institution.source_id, Institution.name_ko,
            Institution.name_en, Institution.sido_code, Institution.sigungu_code)
            .where(Institution.active.is_(True)).order_by(Institution.id)).all()


def cases(rows):
    """Return the test set: [{"family", "query", "source", "source_id"}]."""
    from geodata.nameforms import initials, short_form, sido_short_name, split_kind, without_prefix
    from geodata.regions import region_names
    from mapapp.textsearch import city_prefixes

    prefixes = city_prefixes()
    sido_names, sigungu_lists = region_names()
    sigungu = {code: ko for items in sigungu_lists.values() for code, ko, _en in items}
    shared = Counter(short_form(without_prefix(r.name_ko, prefixes) or r.name_ko) or r.name_ko
                     for r in rows)
    known = {n for r in rows for n in (r.name_ko, without_prefix(r.name_ko, prefixes)) if n}
    rng = random.Random(2024)

    def short(r):
        bare = without_prefix(r.name_ko, prefixes) or r.name_ko
        return short_form(bare) or bare

    def typo(r):
        bare = without_prefix(r.name_ko, prefixes) or r.name_ko
        proper, _kind = split_kind(bare)
        if len(proper) < 3:
            return None  # a two-syllable name with one wrong is another name
        at = rng.randrange(len(proper))
        changed = proper[:at] + (rng.choice(HANGUL) if rng.random() < 0.5 else "") + \
            proper[at + 1:]
        mistyped = bare.replace(proper, changed, 1)
        return None if mistyped in known else mistyped  # not another school's name

    def spaced(r):
        at = rng.randrange(1, len(r.name_ko))
        return r.name_ko[:at] + " " + r.name_ko[at:]

    def region(r):
        if rng.random() < 0.5 and r.sigungu_code in sigungu:
            word = sigungu[r.sigungu_code].split()[-1]
        else:
            word = sido_short_name(sido_names[r.sido_code][0])
        return f"{word} {short(r)}"

    families = {
        "name": lambda r: r.name_ko,
        "short": lambda r: short(r) if short_form(r.name_ko) else None,
        "no_prefix": lambda r: short(r) if without_prefix(r.name_ko, prefixes) else None,
        "spaced": spaced,
        "region": region,
        "typo": typo,
        "initials": lambda r: initials(short(r)) if len(initials(short(r))) >= 4 else (
            f"{region(r).split()[0]} {initials(short(r))}" if len(initials(short(r))) == 3
            else None),
        "english": lambda r: r.name_en,
    }
    found = []
    for family, make in families.items():
        pool = [r for r in rows if r.sido_code and (family == "region" or shared[short(r)] <= 3)]
        rng.shuffle(pool)
        taken = 0
        for r in pool:
            query = make(r)
            if query and taken < PER_FAMILY:
                found.append({"family": family, "query": query, "source": r.source,
                              "source_id": r.source_id})
                taken += 1
    return found


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else None
    if not url:
        sys.exit("usage: search_queries.py DATABASE_URL (a database with the gazetteer loaded)")
    made = cases(institutions(url))
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(made, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{len(made)} queries in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
