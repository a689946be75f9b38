"""What the classifier knows: trained model versions and the cold-start keyword rules."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from triage.extensions import db
from triage.models.base import Category, Level, UTCDateTime, str_enum, utcnow


class ModelVersion(db.Model):
    """A trained model on disk (under the instance folder) with its evaluation."""

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(String(500))  # folder name under the model folder
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    n_rows: Mapped[int] = mapped_column(default=0)
    n_corrections: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=False)
    trained_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<ModelVersion {self.version}{' active' if self.active else ''}>"


class KeywordRule(db.Model):
    """An admin's rule, added to ml's defaults: a regular expression that raises impact and/or
    urgency (and names a category while no model is trained)."""

    __tablename__ = "keyword_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    pattern: Mapped[str] = mapped_column(String(300))
    category: Mapped[Category | None] = mapped_column(str_enum(Category, 20))
    impact: Mapped[Level | None] = mapped_column(str_enum(Level, 10))
    urgency: Mapped[Level | None] = mapped_column(str_enum(Level, 10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def as_dict(self) -> dict[str, Any]:
        return {"pattern": self.pattern, "category": self.category,
                "impact": self.impact, "urgency": self.urgency}

    def __repr__(self) -> str:
        return f"<KeywordRule {self.id} {self.pattern!r}>"


class DisabledDefaultRule(db.Model):
    """A default rule of ml/rules.py an admin switched off (absent: the rule is on)."""

    __tablename__ = "disabled_default_rules"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    disabled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    disabled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<DisabledDefaultRule {self.name}>"
