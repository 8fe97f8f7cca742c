"""The publication policy: what the public sees of an incident at each verification level.

"named": the institution, its pin, its summary and sources. "counted": only a count in its
시/군/구 (map region counts, the list's and stats' region tallies, the exports' region rows);
no name, no pin, no page, no id. Every public output asks this module, so one setting holds
everywhere. The default names a school only on evidence from outside the tips.
"""

from flask import current_app
from sqlalchemy import false

from mapapp.models import VERIFICATION_LEVELS, Incident

EXPOSURES = ("named", "counted")
DEFAULT_POLICY = {"tips_only": "counted", "media_reported": "named",
                  "officially_confirmed": "named"}


def policy():
    """Return {level: exposure} from the config, checked (an unknown value counts only)."""
    configured = current_app.config.get("PUBLICATION_POLICY") or DEFAULT_POLICY
    return {level: configured.get(level) if configured.get(level) in EXPOSURES else "counted"
            for level in VERIFICATION_LEVELS}


def named_levels():
    """Return the levels at which the public sees the institution."""
    return tuple(level for level, exposure in policy().items() if exposure == "named")


def is_named(level):
    """Tell whether an incident at this level shows its institution."""
    return level in named_levels()


def named_clause():
    """Return a SQL condition: the incident's level shows its institution."""
    levels = named_levels()
    return Incident.verification_level.in_(levels) if levels else false()
