"""Macros (saved replies that can also set status and tags) and the undo record of a bulk action."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.extensions import db
from triage.models.accounts import User
from triage.models.base import Status, UTCDateTime, str_enum, utcnow


class Macro(db.Model):
    """A saved reply with placeholders, shared by the staff or personal to its author; applying
    it posts the filled reply and may also set a status and add tags."""

    __tablename__ = "macros"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[Status | None] = mapped_column(str_enum(Status))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    shared: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Macro {self.id} {self.name!r}{' shared' if self.shared else ''}>"


class BulkUndo(db.Model):
    """What one bulk action changed on each item (values before and after), so that the person
    who did it can undo it for a while; a newer bulk action of the same person replaces it."""

    __tablename__ = "bulk_undos"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<BulkUndo {self.id} {self.action} by {self.actor_id}>"
