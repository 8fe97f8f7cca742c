"""Counting guesses exactly: an attempt is counted before it is checked, and given back when it
succeeded, so that eight guesses sent at once are eight counted guesses (Flask-Limiter's
`deduct_when` counts after the answer, when parallel guesses have all been let through).

The counters live where Flask-Limiter keeps its own (Redis in production, memory otherwise),
under their own names, with its fallback to memory while Redis is unreachable.
"""

from dataclasses import dataclass, field

from flask import current_app
from limits import parse_many
from limits.strategies import FixedWindowRateLimiter

from mapapp.extensions import limiter

NAMESPACE = "attempts"


@dataclass
class Ticket:
    """The counts one attempt took; give them back if the attempt succeeded."""

    taken: list = field(default_factory=list)  # (strategy, item, key)

    def give_back(self):
        """Undo the counts (a right password or code is not a guess)."""
        for strategy, item, key in self.taken:
            if isinstance(strategy, FixedWindowRateLimiter):
                try:
                    strategy.storage.incr(item.key_for(NAMESPACE, key), item.get_expiry(),
                                          amount=-1)
                except Exception:  # noqa: BLE001  (storage gone: nothing to give back to)
                    current_app.logger.warning("could not give an attempt back")
        self.taken.clear()


def take(limits_text, key, ticket=None):
    """Count one attempt under `key` against each limit in `limits_text` ("5/hour;20/day").

    Return the ticket holding the counts, or None when a limit is spent (then nothing of this
    call stays counted, and the caller answers 429).
    """
    ticket = ticket if ticket is not None else Ticket()
    mine = Ticket()
    for item in parse_many(limits_text):
        strategy = _strategy()
        try:
            allowed = strategy.hit(item, NAMESPACE, key)
        except Exception:  # noqa: BLE001  (Redis unreachable: Flask-Limiter's own fallback)
            strategy = _fall_back()
            allowed = strategy.hit(item, NAMESPACE, key)
        mine.taken.append((strategy, item, key))
        if not allowed:
            mine.give_back()
            return None
    ticket.taken += mine.taken
    return ticket


def _strategy():
    return limiter.limiter


def _fall_back():
    """Switch Flask-Limiter to its in-memory fallback, as it does itself on a storage error."""
    if not current_app.config.get("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"):
        raise
    current_app.logger.warning("rate-limit storage unreachable: counting attempts in memory")
    limiter._storage_dead = True
    return limiter.limiter
