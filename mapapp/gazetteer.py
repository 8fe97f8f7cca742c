"""Finding institutions by name, for the tip form and the JSON autocomplete."""


from mapapp import textsearch
from mapapp.models import Institution
from mapapp.textinput import INT_LIMIT

SEARCH_LIMIT = 20


def search_institutions(session, query, sido_code="", limit=SEARCH_LIMIT):
    """Return active institutions a query names, best first: full names, short forms,
    English, initials, region words, typing mistakes (mapapp/textsearch.py)."""
    return textsearch.search_institutions(session, query, sido_code, limit)


def get_institution(session, institution_id):
    """Return the active institution with this id, or None."""
    if not institution_id or not 0 < institution_id <= INT_LIMIT:
        return None
    found = session.get(Institution, institution_id)
    return found if found is not None and found.active else None
