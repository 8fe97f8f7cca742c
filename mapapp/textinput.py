"""Query and form values arrive without control characters, for every view and form alike.

NUL is refused by PostgreSQL text columns (a 500 on PostGIS only, found by fuzzing) and the
other C0 controls make the Atom feed invalid XML. No one types them; they are dropped where the
request is parsed, so a form comes back with the rest of what was typed. Tabs and line breaks
stay.
"""

import re
from collections.abc import Mapping

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def without_controls(value):
    """Return text without control characters; anything else (an upload) unchanged."""
    return CONTROL.sub("", value) if isinstance(value, str) else value


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
    """request.args and request.form, with control characters dropped from keys and values."""

    def __init__(self, mapping=None):
        super().__init__([(without_controls(k), without_controls(v)) for k, v in _pairs(mapping)])


class TextRequest(Request):
    """Flask's request, parsing parameters into TextParameters."""

    parameter_storage_class = TextParameters
