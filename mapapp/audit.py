"""The append-only audit log: every row's hash covers its content and the previous row's hash."""

import hashlib
import json

from sqlalchemy import select, text

from mapapp.models import AuditEvent, utcnow

GENESIS = "0" * 64
CHAIN_LOCK = 741_200  # PostgreSQL advisory lock id for appending to the chain


def _payload(event):
    """Return the canonical text of the fields the hash covers."""
    fields = {
        "created_at": event.created_at.isoformat(), "actor_id": event.actor_id,
        "actor_name": event.actor_name, "action": event.action,
        "target_type": event.target_type, "target_id": event.target_id,
        "reason": event.reason, "details": event.details or {},
    }
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest(prev_hash, event):
    """Return the hash of an event chained to the previous one."""
    return hashlib.sha256((prev_hash + _payload(event)).encode()).hexdigest()


def record(session, actor, action, target=None, reason=None, **details):
    """Append an event in the caller's transaction (use it inside write_transaction).

    `actor` is a Moderator or None for the system; `target` a model instance or None.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": CHAIN_LOCK})
    # SQLite: write_transaction's BEGIN IMMEDIATE already makes appends one at a time.
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        created_at=utcnow(), actor_id=actor.id if actor else None,
        actor_name=actor.username if actor else "system", action=action,
        target_type=type(target).__name__.lower() if target is not None else None,
        target_id=str(target.id) if target is not None else None,
        reason=reason, details=details, prev_hash=last or GENESIS,
    )
    event.hash = digest(event.prev_hash, event)
    session.add(event)
    return event


def verify(session):
    """Return (number of events, head hash, problems); no problems means the chain is intact.

    An edited row breaks its own hash; a deleted row breaks the next row's link. Cutting rows
    off the end leaves a shorter valid chain, so compare the head with one recorded elsewhere.
    """
    problems, previous, count = [], GENESIS, 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000):
        count += 1
        if event.prev_hash != previous:
            problems.append(f"event {event.id}: link to the previous event is broken "
                            "(an event before it was deleted or changed)")
        if digest(event.prev_hash, event) != event.hash:
            problems.append(f"event {event.id}: content does not match its hash (edited)")
        previous = event.hash
    return count, previous, problems
