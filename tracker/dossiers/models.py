"""Rendered jury dossiers: one row per distinct content ever rendered.

A dossier is named by the SHA-256 of its data (``fingerprint``); ``code`` is the short
verification code printed on its pages, derived from that hash. The PDF itself lives in
the dossiers' file store under ``stored_name``. Rows are kept when the data changes
afterwards: a printed dossier's code then still leads to a page that says it no longer
matches, rather than to nothing. The few facts the public verification page shows
(apprentice, certification, date) are copied here as the dossier printed them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import Base, UTCDateTime, utcnow
from tracker.people.models import Apprenticeship


class DossierRecord(Base):
    __tablename__ = "dossiers"
    __table_args__ = (
        UniqueConstraint("code"),
        UniqueConstraint("fingerprint"),
        CheckConstraint("page_count >= 1", name="page_count_positive"),
        CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Ten Crockford base32 characters, stored without the hyphen printed in the middle.
    code: Mapped[str] = mapped_column(String(10))
    fingerprint: Mapped[str] = mapped_column(String(64))
    apprenticeship_id: Mapped[int] = mapped_column(
        ForeignKey("apprenticeships.id", ondelete="RESTRICT"), index=True
    )
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    page_count: Mapped[int]
    size: Mapped[int]  # bytes
    stored_name: Mapped[str] = mapped_column(String(80))
    # As printed on the dossier: what the verification page may show.
    apprentice_name: Mapped[str] = mapped_column(String(200))
    certification_code: Mapped[str] = mapped_column(String(20))
    certification_title: Mapped[str] = mapped_column(Text)

    apprenticeship: Mapped[Apprenticeship] = relationship()
