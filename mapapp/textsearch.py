"""Institution search the way people name schools, on each backend's own text index.

What is typed is split into region words ("동대문구", "서울", "부산광역시": they narrow the
results) and a name, normalised as the stored forms are (geodata/nameforms.py). Candidates
come from indexes only, never a scan of the table:
- exact and prefix: a B-tree range on the forms (byte order on PostgreSQL);
- inside a form (3 letters and more): FTS5's trigram index on SQLite, pg_trgm's GIN on
  PostgreSQL;
- typing mistakes (when fewer than asked were found, none exactly): proper names, without
  their kind, that share trigrams with the typed one's (FTS5 OR of the trigrams by rank,
  over the proper names alone; pg_trgm's similarity operator on a partial GIN index),
  scored by the whole name, so that the kind typed counts too.
Then one ranking in Python for both backends: exact, prefix (short forms included), inside,
similar; a query of one letter finds nothing and costs nothing.
"""

import difflib

from sqlalchemy import Integer, column, event, func, inspect, or_, select, text
from sqlalchemy.orm import Session

from geodata.nameforms import (
    NAME,
    PROPER,
    SHORT,
    english_name,
    name_forms,
    normalise,
    proper_part,
    sido_short_name,
)
from geodata.regions import region_names
from mapapp.models import Institution, InstitutionName

CANDIDATES = 300  # forms read per index look-up, at most
MAX_GRAMS = 16  # trigrams of a long typed name looked up for typing mistakes (SQLite), at most
FUZZY_RATIO = 0.6  # how alike (0..1, by jamo) a proper name must be to count as mistyped
EXACT, PREFIX, INSIDE, SIMILAR = range(4)
_LAST = "\U0010ffff"


def city_prefixes():
    """Return the city and province names that school names begin with (서울, 충북, …)."""
    names = {sido_short_name(ko) for ko, _en in region_names()[0].values()}
    return sorted(names, key=len, reverse=True)


def write_forms(session, institutions=None):
    """Store the name forms of the given institutions [(id, name_ko, name_en)], or of every
    institution when none are given (after a gazetteer load). Through the session's
    connection, so that it also runs inside a flush (see _forms_follow_names)."""
    conn, names = session.connection(), InstitutionName.__table__
    if institutions is None:
        institutions = conn.execute(
            select(Institution.id, Institution.name_ko, Institution.name_en)).all()
        conn.execute(names.delete())
    else:
        institutions = list(institutions)
        conn.execute(names.delete().where(
            names.c.institution_id.in_([i[0] for i in institutions])))
    prefixes = city_prefixes()
    rows = [{"institution_id": i, "form": form, "what": what}
            for i, ko, en in institutions for form, what in name_forms(ko, en, prefixes)]
    for start in range(0, len(rows), 5000):
        conn.execute(names.insert(), rows[start:start + 5000])


@event.listens_for(Session, "before_flush")
def _romanize_new_names(session, _context, _instances):
    """Give an institution added without an English name its romanization (a moderator's)."""
    for item in session.new:
        if isinstance(item, Institution) and item.name_ko and not item.name_en:
            item.name_en = english_name(item.name_ko, city_prefixes())


@event.listens_for(Session, "after_flush")
def _forms_follow_names(session, _context):
    """Keep the forms of institutions added or renamed through the ORM in step, whatever the
    code path (the gazetteer loader writes its own, in bulk)."""
    changed = [item for item in (*session.new, *session.dirty)
               if isinstance(item, Institution) and (item in session.new or any(
                   inspect(item).attrs[name].history.has_changes()
                   for name in ("name_ko", "name_en")))]
    if changed:
        write_forms(session, [(i.id, i.name_ko, i.name_en) for i in changed])


def ensure_forms(session):
    """Write the name forms (and romanized English names where there are none) of a database
    that has institutions but no forms: one upgraded to migration 0005. Return how many
    institutions got forms."""
    if session.scalar(select(InstitutionName.id).limit(1)) is not None or \
            session.scalar(select(Institution.id).limit(1)) is None:
        return 0
    prefixes = city_prefixes()
    for institution in session.scalars(select(Institution).where(Institution.name_en.is_(None))):
        institution.name_en = english_name(institution.name_ko, prefixes)
    session.flush()
    write_forms(session)
    return session.scalar(select(func.count(func.distinct(InstitutionName.institution_id))))


def _region_words():
    """Return {normalised word: ("sido" | "sigungu", {codes})} for every region name."""
    sido, sigungu = region_names()
    words = {}

    def add(word, level, code):
        words.setdefault((normalise(word), level), set()).add(code)

    for code, (ko, _en) in sido.items():
        add(ko, "sido", code)
        add(sido_short_name(ko), "sido", code)
    for items in sigungu.values():
        for code, ko, _en in items:
            for part in ko.split():  # "수원시 장안구": either word
                add(part, "sigungu", code)
                if len(part) > 2 and part[-1] in "시군구":
                    add(part[:-1], "sigungu", code)  # 동대문구 → 동대문
    return words


_WORDS = []


def _words():
    """Return the region words, made once per process (they come from the boundary files)."""
    if not _WORDS:
        _WORDS.append(_region_words())
    return _WORDS[0]


def warm():
    """Read the region names and make the region words now, not in a moderator's or a
    visitor's first search (about 100 ms): gunicorn's master calls it before forking."""
    _words()


def region_words():
    """Return {normalised region word: [[시/도 codes], [시/군/구 codes]]} (for the mirror's
    browser-side search, which parses as parse() does)."""
    found = {}
    for (word, level), codes in _words().items():
        found.setdefault(word, [[], []])[level == "sigungu"] = sorted(codes)
    return found


def parse(query):
    """Return (name, 시/도 codes, 시/군/구 codes) of a query: region words at its start or end
    narrow the search, the rest is the name (spaces taken out; not yet normalised)."""
    words = _words()
    tokens = (query or "")[:60].split()
    sidos, sigungus = set(), set()
    while len(tokens) > 1:
        for position in (0, -1):
            token = normalise(tokens[position])
            if (token, "sido") in words or (token, "sigungu") in words:
                sidos |= words.get((token, "sido"), set())
                sigungus |= words.get((token, "sigungu"), set())
                tokens.pop(position)
                break
        else:
            break
    return "".join(tokens), sidos, sigungus


def _where_region(stmt, sido_code, sidos, sigungus):
    """Narrow a statement over Institution to the asked and the named regions."""
    stmt = stmt.where(Institution.active.is_(True))
    if sido_code:
        stmt = stmt.where(Institution.sido_code == sido_code)
    if sidos and sigungus:
        stmt = stmt.where(or_(Institution.sido_code.in_(sidos),
                              Institution.sigungu_code.in_(sigungus)))
    elif sidos:
        stmt = stmt.where(Institution.sido_code.in_(sidos))
    elif sigungus:
        stmt = stmt.where(Institution.sigungu_code.in_(sigungus))
    return stmt


def _postgres(session):
    return session.get_bind().dialect.name == "postgresql"


def _prefix_clause(session, name):
    """Forms that begin with the name (a B-tree range)."""
    form = InstitutionName.form.collate("C") if _postgres(session) else InstitutionName.form
    return (form >= name) & (form < name + _LAST)


def _inside_clause(session, name):
    """Forms that contain the name (a trigram index; the name has 3 letters or more and only
    letters and digits, so it holds no wildcard)."""
    if _postgres(session):
        return InstitutionName.form.like(f"%{name}%")
    phrase = '"' + name + '"'
    return InstitutionName.id.in_(text(
        "SELECT rowid FROM institution_names_fts WHERE institution_names_fts MATCH :phrase"
    ).bindparams(phrase=phrase).columns(column("rowid", Integer)))


def _similar_proper(session, proper, base):
    """Return [(institution id, proper form)] of proper names that share trigrams with the
    typed one (typing mistakes): a kind's letters are left out on both sides."""
    base = base.with_only_columns(InstitutionName.institution_id, InstitutionName.form).where(
        InstitutionName.what == PROPER)
    if _postgres(session):
        return session.execute(base.where(InstitutionName.form.op("%")(proper)).order_by(
            func.similarity(InstitutionName.form, proper).desc()).limit(CANDIDATES)).all()
    grams = sorted({proper[i:i + 3] for i in range(len(proper) - 2)})
    grams = grams[::-(-len(grams) // MAX_GRAMS)]  # a long name: an even spread of its trigrams
    match = " OR ".join(f'"{gram}"' for gram in grams)
    ranked = text("SELECT rowid FROM institution_propers_fts WHERE institution_propers_fts "
                  "MATCH :match ORDER BY rank LIMIT :n").bindparams(match=match, n=CANDIDATES)
    return session.execute(base.where(InstitutionName.id.in_(
        ranked.columns(column("rowid", Integer))))).all()


def _alike(one, other):
    """How alike two normalised texts are, 0..1 (by letters: jamo)."""
    return difflib.SequenceMatcher(None, one, other).ratio()


def _similar(session, raw_name, name, base):
    """Return {institution id: (SIMILAR, -likeness, what)} for institutions whose proper
    name is like the typed one; likeness is of the whole name (the kind typed counts)."""
    proper = normalise(proper_part(raw_name))
    if len(proper) < 4:
        return {}
    # Alike as a whole, or at its start (the kind typed may be mistyped too: 휘경여자고둥학교).
    alike = {i for i, form in _similar_proper(session, proper, base)
             if max(_alike(proper, form), _alike(proper[:len(form)], form)) >= FUZZY_RATIO}
    if not alike:
        return {}
    found = {}
    for institution_id, form, what in session.execute(
            select(InstitutionName.institution_id, InstitutionName.form, InstitutionName.what)
            .where(InstitutionName.institution_id.in_(alike),
                   InstitutionName.what.in_((NAME, SHORT)))).all():
        score = (SIMILAR, -_alike(name, form), what)
        if score < found.get(institution_id, (SIMILAR + 1,)):
            found[institution_id] = score
    return found


def _tier(name, form):
    """Return (tier, -likeness) of a form found by the indexes for the name."""
    if form == name:
        return EXACT, 0.0
    if form.startswith(name):
        return PREFIX, -len(name) / len(form)
    return INSIDE, -len(name) / len(form)


def ranked_matches(session, query, sido_code="", limit=10, fuzzy=True):
    """Return [(institution id, (tier, -likeness, what))] for a query, best first (see the
    module's text)."""
    raw, sidos, sigungus = parse(query)
    name = normalise(raw)
    if len(name) < 2:
        return []
    base = _where_region(select(InstitutionName.institution_id, InstitutionName.form,
                                InstitutionName.what)
                         .join(Institution, Institution.id == InstitutionName.institution_id),
                         sido_code, sidos, sigungus)
    rows = session.execute(base.where(_prefix_clause(session, name)).limit(CANDIDATES)).all()
    if len(name) >= 3:
        rows += session.execute(base.where(_inside_clause(session, name))
                                .limit(CANDIDATES)).all()
    best = {}
    for institution_id, form, what in rows:
        score = (*_tier(name, form), what)
        if score < best.get(institution_id, (SIMILAR + 1,)):
            best[institution_id] = score
    if fuzzy and len(best) < limit and not any(s[0] == EXACT for s in best.values()):
        for institution_id, score in _similar(session, raw, name, base).items():
            best.setdefault(institution_id, score)
    return sorted(best.items(), key=lambda item: item[1])


def search_institutions(session, query, sido_code="", limit=10):
    """Return the active institutions a query names, best first (at most `limit`)."""
    scores = dict(ranked_matches(session, query, sido_code, limit)[:limit * 3])
    if not scores:
        return []
    found = session.scalars(select(Institution).where(Institution.id.in_(scores))).all()
    return sorted(found, key=lambda i: (scores[i.id], len(i.name_ko), i.name_ko))[:limit]


def institutions_named_select(session, query):
    """Return a SELECT of the ids of the institutions a public `q` names (exact, prefix or
    inside any form), or None when the name is too short to name any."""
    raw, sidos, sigungus = parse(query)
    name = normalise(raw)
    if len(name) < 2:
        return None
    clause = _prefix_clause(session, name)
    if len(name) >= 3:
        clause = or_(clause, _inside_clause(session, name))
    return _where_region(select(InstitutionName.institution_id).join(
        Institution, Institution.id == InstitutionName.institution_id).where(clause),
        "", sidos, sigungus).distinct()


def institution_ids_named(session, query):
    """Return the sorted ids of every institution a public `q` names (similar ones only when
    nothing else matches), or None when there are more than CANDIDATES (such as "학교"):
    then institutions_named_select() is the filter."""
    named = institutions_named_select(session, query)
    if named is None:
        return []
    ids = session.scalars(named.limit(CANDIDATES + 1)).all()
    if len(ids) > CANDIDATES:
        return None
    if ids:
        return sorted(ids)
    return sorted(i for i, _score in ranked_matches(session, query, limit=CANDIDATES))


def tip_text_clause(session, words):
    """Pending tips whose text contains `words` (moderators' queue search), as a WHERE clause:
    pg_trgm's GIN index on PostgreSQL (ILIKE, or LIKE for words without case), FTS5's trigram
    index on SQLite (a phrase of 3 letters or more; shorter ones are a LIKE over the table).
    Both ignore case. Migration 0007 makes both indexes."""
    from mapapp.models import Report

    pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if _postgres(session):
        if words.lower() == words.upper():
            # No letter with a case (Hangul, digits): LIKE finds the same tips as ILIKE at a
            # quarter of the cost (ILIKE folds every row's text; 105 ms against 26 at 100k).
            return Report.description.like(pattern, escape="\\")
        return Report.description.ilike(pattern, escape="\\")
    if len(words) < 3:
        return Report.description.like(pattern, escape="\\")
    phrase = '"' + words.replace('"', '""') + '"'
    return Report.id.in_(text(
        "SELECT rowid FROM reports_fts WHERE reports_fts MATCH :phrase"
    ).bindparams(phrase=phrase).columns(column("rowid", Integer)))
