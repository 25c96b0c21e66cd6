"""Spaced review of missed decision points, and consent to reminders.

A decision point a trainee got wrong comes back after about 1, 3 and 7 days (review_items,
with each review's answer in review_answers, from which retention is measured). A Telegram
trainee may agree to be reminded when one is due (trainees.reminders).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trainees") as trainees:
        trainees.add_column(sa.Column("reminders", sa.Boolean, nullable=True))
    op.create_table(
        "review_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False),
        sa.Column("scenario_id", sa.String(80), nullable=False),
        sa.Column("step_id", sa.String(80), nullable=False),
        sa.Column("stage", sa.Integer, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("trainee_id", "scenario_id", "step_id"),
    )
    op.create_index("ix_review_items_trainee_id", "review_items", ["trainee_id"])
    op.create_index("ix_review_items_due_at", "review_items", ["due_at"])
    op.create_table(
        "review_answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("review_item_id", sa.Integer, sa.ForeignKey("review_items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("stage", sa.Integer, nullable=False),
        sa.Column("option_id", sa.String(80), nullable=False),
        sa.Column("correct", sa.Boolean, nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_review_answers_review_item_id", "review_answers", ["review_item_id"])


def downgrade() -> None:
    op.drop_index("ix_review_answers_review_item_id", "review_answers")
    op.drop_table("review_answers")
    op.drop_index("ix_review_items_due_at", "review_items")
    op.drop_index("ix_review_items_trainee_id", "review_items")
    op.drop_table("review_items")
    with op.batch_alter_table("trainees") as trainees:
        trainees.drop_column("reminders")
