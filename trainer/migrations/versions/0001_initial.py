"""First schema: cohorts, trainees and their channel identities, attempts and answers.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cohorts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("enrolment_code", sa.String(16), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "trainees",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("display_name", sa.String(80)),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("cohort_id", sa.Integer, sa.ForeignKey("cohorts.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "channel_identities",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("channel", "sender_id"),
    )
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "trainee_id", sa.Integer, sa.ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("scenario_id", sa.String(80), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("current_node", sa.String(80), nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "attempt_id", sa.Integer, sa.ForeignKey("attempts.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("step_id", sa.String(80), nullable=False),
        sa.Column("option_id", sa.String(80)),
        sa.Column("text", sa.Text),
        sa.Column("grade", sa.Integer),
        sa.Column("concepts_found", sa.JSON, nullable=False),
        sa.Column("concepts_missed", sa.JSON, nullable=False),
        sa.Column("red_flags", sa.JSON, nullable=False),
        sa.Column("hint_used", sa.Boolean, nullable=False),
        sa.Column("response_ms", sa.Integer),
        sa.Column("channel", sa.String(40)),
        sa.Column("message_id", sa.String(255), unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("answers", "attempts", "channel_identities", "trainees", "cohorts"):
        op.drop_table(table)
