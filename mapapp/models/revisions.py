"""Proposed changes to what the public sees, their approvals, and the public history."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mapapp.extensions import db
from mapapp.models.base import UTCDateTime, choice, utcnow

# publish: a draft becomes public; edit: public fields change; restore: a hidden incident is
# shown again; retract: withdrawn for good with a public note.
REVISION_ACTIONS = ("publish", "edit", "restore", "retract")
REVISION_STATUSES = ("pending", "applied", "returned", "superseded")
# What the public history of an incident can say (never who did it).
HISTORY_CHANGES = ("published", "level", "period", "summary", "sources", "institution",
                   "hidden", "restored", "retracted", "correction")


class Revision(db.Model):
    """A proposed public version of an incident; it applies at REQUIRED_APPROVALS approvals."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    action: Mapped[str] = mapped_column(choice(*REVISION_ACTIONS))
    status: Mapped[str] = mapped_column(choice(*REVISION_STATUSES), default="pending", index=True)
    base: Mapped[dict] = mapped_column(JSON, default=dict)  # the public version when proposed
    proposed: Mapped[dict] = mapped_column(JSON, default=dict)  # the public version it makes
    basis: Mapped[str] = mapped_column(Text)  # moderators only
    tip_ids: Mapped[list] = mapped_column(JSON, default=list)  # tips this proposal attached
    correction_id: Mapped[int | None] = mapped_column(ForeignKey("correction_requests.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("moderators.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("moderators.id"))
    return_reason: Mapped[str | None] = mapped_column(String(500))

    incident = relationship("Incident")
    author = relationship("Moderator", foreign_keys=[author_id])
    approvals = relationship("RevisionApproval", order_by="RevisionApproval.id",
                             back_populates="revision")


class RevisionApproval(db.Model):
    """One moderator's approval of a revision (the author's counts as the first)."""

    __tablename__ = "revision_approvals"
    __table_args__ = (UniqueConstraint("revision_id", "moderator_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"), index=True)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("moderators.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    revision = relationship("Revision", back_populates="approvals")
    moderator = relationship("Moderator")


class IncidentHistory(db.Model):
    """One public change of an incident, as its page lists it (dates and values, no names)."""

    __tablename__ = "incident_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    change: Mapped[str] = mapped_column(choice(*HISTORY_CHANGES))
    from_value: Mapped[str | None] = mapped_column(String(40))
    to_value: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)  # a public note (retraction, correction)
