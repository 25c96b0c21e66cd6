"""Classroom sessions: a trainer plays a scenario with a group on a projector.

The group decides each decision point by show of hands (the trainer taps the option) or by
voting from their phones after joining with the session's code; votes are kept per trainee,
decisions per session, for the after-action review and the reports.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "class_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(12), nullable=False, unique=True),
        sa.Column("trainer_id", sa.Integer, sa.ForeignKey("trainer_accounts.id", ondelete="SET NULL"), nullable=True),
        sa.Column("cohort_id", sa.Integer, sa.ForeignKey("cohorts.id", ondelete="SET NULL"), nullable=True),
        sa.Column("scenario_id", sa.String(80), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("current_node", sa.String(80), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "class_members",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "class_session_id", sa.Integer, sa.ForeignKey("class_sessions.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("class_session_id", "trainee_id"),
    )
    op.create_index("ix_class_members_trainee_id", "class_members", ["trainee_id"])
    op.create_table(
        "class_votes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "class_session_id", sa.Integer, sa.ForeignKey("class_sessions.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("step_id", sa.String(80), nullable=False),
        sa.Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False),
        sa.Column("option_id", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("class_session_id", "step_id", "trainee_id"),
    )
    op.create_index("ix_class_votes_class_session_id", "class_votes", ["class_session_id"])
    op.create_table(
        "class_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "class_session_id", sa.Integer, sa.ForeignKey("class_sessions.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("step_id", sa.String(80), nullable=False),
        sa.Column("option_id", sa.String(80), nullable=False),
        sa.Column("by", sa.String(10), nullable=False),
        sa.Column("votes", sa.JSON, nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_class_decisions_class_session_id", "class_decisions", ["class_session_id"])


def downgrade() -> None:
    for table in ("class_decisions", "class_votes", "class_members"):
        for index in {
            "class_decisions": ["ix_class_decisions_class_session_id"],
            "class_votes": ["ix_class_votes_class_session_id"],
            "class_members": ["ix_class_members_trainee_id"],
        }[table]:
            op.drop_index(index, table)
        op.drop_table(table)
    op.drop_table("class_sessions")
