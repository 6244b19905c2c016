"""Reference data every installation needs: the stage models (data, not code)."""

from __future__ import annotations

from sqlalchemy import select

from portal.deals.models import Stage, StageModel
from portal.extensions import db
from proposals.stages import DEFAULT_STAGE_MODEL, EIGHT_STEP_STAGE_MODEL


def load_reference_data() -> None:
    """Insert the built-in stage models that are missing; existing ones (maybe edited) stay."""
    existing = set(db.session.scalars(select(StageModel.key)))
    for model in (DEFAULT_STAGE_MODEL, EIGHT_STEP_STAGE_MODEL):
        if model.key in existing:
            continue
        row = StageModel(key=model.key, name_en=model.name["en"], name_zh=model.name["zh_CN"])
        row.stages = [
            Stage(
                position=position,
                code=stage.code,
                name_en=stage.name["en"],
                name_zh=stage.name["zh_CN"],
                milestone_en=stage.milestone["en"],
                milestone_zh=stage.milestone["zh_CN"],
            )
            for position, stage in enumerate(model.stages)
        ]
        db.session.add(row)
    db.session.flush()


def default_stages() -> list[Stage]:
    return list(
        db.session.scalars(
            select(Stage)
            .join(StageModel)
            .where(StageModel.key == DEFAULT_STAGE_MODEL.key)
            .order_by(Stage.position)
        )
    )
