"""Answers the grader was unsure of, and trainers' reviews of answers.

A typed answer the grader could not grade with confidence is shown the closest options ("Did you
mean...?"); the pick is stored with the typed text, the grader's guess and its confidence, and
marked for review. A trainer's grade is kept beside the original in answer_reviews.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answers") as answers:
        answers.add_column(sa.Column("confidence", sa.Float, nullable=True))
        answers.add_column(sa.Column("needs_review", sa.Boolean, nullable=False, server_default=sa.false()))
        answers.add_column(sa.Column("engine_grade", sa.Integer, nullable=True))
    op.create_table(
        "answer_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("answer_id", sa.Integer, sa.ForeignKey("answers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("trainer_accounts.id", ondelete="SET NULL"), nullable=True),
        sa.Column("grade", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_answer_reviews_answer_id", "answer_reviews", ["answer_id"])


def downgrade() -> None:
    op.drop_index("ix_answer_reviews_answer_id", "answer_reviews")
    op.drop_table("answer_reviews")
    with op.batch_alter_table("answers") as answers:
        answers.drop_column("engine_grade")
        answers.drop_column("needs_review")
        answers.drop_column("confidence")
