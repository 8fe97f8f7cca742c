"""Query and form values arrive holding only characters XML 1.0 can carry, for every view
and form alike; numbers in query strings stay within what the databases can compare.

NUL is refused by PostgreSQL text columns (a 500 on PostGIS only, found by fuzzing), and the
other controls, lone surrogates and the Unicode noncharacters (U+FFFE, U+FFFF, U+FDD0–U+FDEF
and the last two of every plane) make the Atom feed invalid XML for every reader. No one types
them; they are dropped where the request is parsed, so a form comes back with the rest of what
was typed. Tabs and line breaks stay. `xml_text` drops the same from text read back out of the
database, for the outputs that are XML.
"""

import re
from collections.abc import Mapping

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

_PLANE_ENDS = "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}"
                      for plane in range(17))
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
                     + _PLANE_ENDS + "]")
# The largest number a query parameter may carry: ids and pages fit, and arithmetic on it
# (offsets) stays inside every backend's integers.
INT_LIMIT = 2**31 - 1


def xml_text(value):
    """Return text without the characters XML 1.0 cannot carry (or should not)."""
    return NOT_XML.sub("", value) if isinstance(value, str) else value



def _pairs(mapping):
    """Yield (key, value) from whatever Werkzeug hands a parameter dict."""
    if isinstance(mapping, MultiDict):
        yield from mapping.items(multi=True)
    elif isinstance(mapping, Mapping):
        for key, value in mapping.items():
            values = value if isinstance(value, (list, tuple, set)) else [value]
            yield from ((key, item) for item in values)
    elif mapping is not None:
        yield from mapping


class TextParameters(ImmutableMultiDict):
    """request.args and request.form, with unwanted characters dropped from keys and values.

    `get(name, type=int)` also answers the default for a number beyond INT_LIMIT, and
    `getlist(name, type=int)` leaves such numbers out, so a huge `page=` or id never reaches SQL
    (an overflow was a 500 in SQLite, and in PostgreSQL's integer columns).
    """

    def __init__(self, mapping=None):
        super().__init__([(xml_text(k), xml_text(v)) for k, v in _pairs(mapping)])

    def get(self, key, default=None, type=None):  # noqa: A002  (Werkzeug's own signature)
        """Werkzeug's get, refusing integers the databases cannot hold."""
        value = super().get(key, default=default, type=type)
        if type is int and isinstance(value, int) and abs(value) > INT_LIMIT:
            return default
        return value

    def getlist(self, key, type=None):  # noqa: A002  (Werkzeug's own signature)
        """Werkzeug's getlist, leaving out integers the databases cannot hold."""
        values = super().getlist(key, type=type)
        if type is int:
            values = [v for v in values if abs(v) <= INT_LIMIT]
        return values


class TextRequest(Request):
    """Flask's request, parsing parameters into TextParameters."""

    parameter_storage_class = TextParameters
