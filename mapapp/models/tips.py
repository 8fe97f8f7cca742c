"""Tips (never public), incidents (public once verified) and correction requests."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mapapp.extensions import db
from mapapp.models.base import UTCDateTime, choice, utcnow

REPORT_STATUSES = ("pending", "approved", "rejected", "merged", "spam")
REPORT_CATEGORIES = ("chatroom_sharing", "threats", "other")
TIPSTER_ROLES = ("affected", "witness", "parent_teacher", "other")
INCIDENT_STATUSES = ("draft", "published", "hidden", "retracted")
# From weakest to strongest; the public sees the level and what it means.
VERIFICATION_LEVELS = ("tips_only", "media_reported", "officially_confirmed")
# pending: received; triaged: a moderator (or the deadline) hid the entry while it is reviewed.
CORRECTION_STATUSES = ("pending", "triaged", "accepted", "rejected")
REQUESTER_KINDS = ("institution_staff", "education_office", "student_parent", "other")
CORRECTION_PROBLEMS = ("wrong_school", "wrong_period", "not_true", "privacy", "other")


class Report(db.Model):
    """An anonymous tip. No IP address, no user agent, no upload: only what the form asks."""

    __tablename__ = "reports"
    # The queue: burst detection reads recent pending tips; grouping by institution reads
    # (status, institution, time) from the index alone instead of 100k table rows.
    __table_args__ = (
        Index("ix_reports_status_created_at", "status", "created_at"),
        Index("ix_reports_queue", "status", "institution_id", "created_at"),
        Index("ix_reports_queue_category", "status", "category", "institution_id",
              "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    # When the institution is not in the gazetteer, the tipster names it in free text.
    institution_text: Mapped[str | None] = mapped_column(String(200))
    sido_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    sigungu_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    pin_lon: Mapped[float | None] = mapped_column(Float)
    pin_lat: Mapped[float | None] = mapped_column(Float)
    occurred_month: Mapped[date] = mapped_column(Date)  # first day of the month
    occurred_approximate: Mapped[bool] = mapped_column(Boolean, default=False)
    category: Mapped[str] = mapped_column(choice(*REPORT_CATEGORIES))
    tipster_role: Mapped[str | None] = mapped_column(choice(*TIPSTER_ROLES))
    description: Mapped[str | None] = mapped_column(Text)  # never public; purged after decision
    source_url: Mapped[str | None] = mapped_column(String(500))  # never fetched by the server
    personal_data_flags: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(choice(*REPORT_STATUSES), default="pending", index=True)
    receipt_lookup: Mapped[str] = mapped_column(String(16), unique=True)
    receipt_hash: Mapped[str] = mapped_column(String(200))
    reply: Mapped[str | None] = mapped_column(String(500))  # moderators' short answer
    decision_reason: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("moderators.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("moderators.id"))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    institution = relationship("Institution")


class Incident(db.Model):
    """What the public sees: an institution, a period, a verification level and a summary."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    status: Mapped[str] = mapped_column(choice(*INCIDENT_STATUSES), default="draft", index=True)
    verification_level: Mapped[str] = mapped_column(
        choice(*VERIFICATION_LEVELS), default="tips_only", index=True
    )
    verification_basis: Mapped[str | None] = mapped_column(Text)  # moderators only
    public_summary_ko: Mapped[str | None] = mapped_column(Text)
    public_summary_en: Mapped[str | None] = mapped_column(Text)
    public_sources: Mapped[list] = mapped_column(JSON, default=list)
    first_reported_month: Mapped[date] = mapped_column(Date, index=True)
    last_reported_month: Mapped[date] = mapped_column(Date, index=True)
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("moderators.id"))
    hidden_reason: Mapped[str | None] = mapped_column(String(200))
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retraction_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    institution = relationship("Institution")


class CorrectionRequest(db.Model):
    """An institution's (or anyone's) request to correct or take down an incident."""

    __tablename__ = "correction_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    requester_kind: Mapped[str] = mapped_column(choice(*REQUESTER_KINDS), default="other")
    problem: Mapped[str] = mapped_column(choice(*CORRECTION_PROBLEMS), default="other")
    requester_institution: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(choice(*CORRECTION_STATUSES), default="pending", index=True)
    # The reference code: shown once to the requester, kept only as a hash (like tip receipts).
    receipt_lookup: Mapped[str | None] = mapped_column(String(16), unique=True)
    receipt_hash: Mapped[str | None] = mapped_column(String(200))
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    triaged_by_id: Mapped[int | None] = mapped_column(ForeignKey("moderators.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)  # moderators only
    public_note: Mapped[str | None] = mapped_column(Text)  # the requester and the public read it
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("moderators.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    incident = relationship("Incident")


class SpentFormToken(db.Model):
    """A tip form's "opened at" token that has carried a tip: each carries one only.

    Kept apart from the tips (no link to which tip spent it), as a SHA-256, for as long as a
    form stays valid; older rows are dropped as new ones come.
    """

    __tablename__ = "spent_form_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    spent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class CaseNote(db.Model):
    """A moderators-only note on an institution's review case. Never public; its text is
    blanked with the tips' (TIP_RETENTION_DAYS after the case has nothing pending)."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("moderators.id"))
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author = relationship("Moderator")


class QueueGroup(db.Model):
    """One institution's pending tips, counted: how many and since when. Written only by the
    database's own triggers on `reports` (migration 0008), whatever changes a tip, so the
    review queue's pages and its name, region and flag searches read one row per institution
    instead of grouping every pending tip (100,000 in the benchmark) on each request."""

    __tablename__ = "queue_groups"

    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), primary_key=True)
    tips: Mapped[int] = mapped_column(Integer)
    oldest: Mapped[datetime] = mapped_column(UTCDateTime)
