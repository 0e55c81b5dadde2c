"""The model behind creator page links.

``PortalAccess``: one row per campaign membership that was ever given a link. Links carry
its random ``portal_id`` (never the creator's or membership's numeric id, which are easy to
guess) and the ``version`` they were signed for; revoking bumps the version, so every link
signed before stops working at once while the creator keeps the same row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, UTCDateTime, utcnow

#: Width of ``portal_id``: ``secrets.token_urlsafe(16)`` gives 22 characters.
MAX_PORTAL_ID_LENGTH = 32


class PortalAccess(Base):
    __tablename__ = "portal_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), unique=True
    )
    portal_id: Mapped[str] = mapped_column(String(MAX_PORTAL_ID_LENGTH), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
