from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import bigram_index, db, prefix_index, trigram_index
from portal.timeutil import utcnow

GRADE_CODES = ("A", "B", "C", "D")
DECISION_MODE_CODES = ("centralized", "distributed", "hybrid")
VALUE_DIMENSIONS = ("value_current", "value_potential", "value_relationship", "value_strategic")


class Account(db.Model):
    """A customer. Value scores: 0–10 each for current, potential, relationship, strategic."""

    __audited__ = True
    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint("grade IN ('A', 'B', 'C', 'D')", name="grade"),
        CheckConstraint(
            "decision_mode IN ('centralized', 'distributed', 'hybrid')", name="decision_mode"
        ),
        *(
            CheckConstraint(f"{dim} BETWEEN 0 AND 10", name=f"{dim}_range")
            for dim in VALUE_DIMENSIONS
        ),
        trigram_index("ix_account_name_trgm", "name"),
        bigram_index("ix_account_name_bigrams", "name"),
        prefix_index("ix_account_name_prefix", "name"),
        # The account list's order, read a page at a time (keyset).
        Index("ix_account_grade_name", "grade", "name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    industry: Mapped[str] = mapped_column(String(120), default="")
    region: Mapped[str] = mapped_column(String(120), default="")
    grade: Mapped[str] = mapped_column(String(1), default="C")
    decision_mode: Mapped[str] = mapped_column(String(16), default="centralized")
    value_current: Mapped[int] = mapped_column(default=5)
    value_potential: Mapped[int] = mapped_column(default=5)
    value_relationship: Mapped[int] = mapped_column(default=5)
    value_strategic: Mapped[int] = mapped_column(default=5)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    opportunities: Mapped[list[Opportunity]] = relationship(back_populates="account")  # noqa: F821

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.name!r}>"
