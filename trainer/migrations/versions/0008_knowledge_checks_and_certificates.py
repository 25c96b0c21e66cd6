"""Knowledge checks before and after training, and certificates.

A trainee takes the before-test (form a) at enrolment and the after-test (form b) once they
have played the scenarios or their trainer opens it for the cohort (cohorts.after_test_open);
each answer is kept with its item's principle, so reports compute learning gains per trainee,
per principle and per cohort. A trainee who played every scenario and passed the after-test
gets a certificate whose code anyone can check; a trainer can revoke it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cohorts") as cohorts:
        cohorts.add_column(sa.Column("after_test_open", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "check_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("form", sa.String(10), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("trainee_id", "kind"),
    )
    op.create_index("ix_check_attempts_trainee_id", "check_attempts", ["trainee_id"])
    op.create_table(
        "check_answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "check_attempt_id", sa.Integer, sa.ForeignKey("check_attempts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("item_id", sa.String(40), nullable=False),
        sa.Column("principle", sa.String(40), nullable=False),
        sa.Column("option_id", sa.String(40), nullable=False),
        sa.Column("correct", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("check_attempt_id", "item_id"),
    )
    op.create_index("ix_check_answers_check_attempt_id", "check_answers", ["check_attempt_id"])
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(16), nullable=False, unique=True),
        sa.Column(
            "trainee_id", sa.Integer, sa.ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False, unique=True
        ),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("cohort", sa.String(120), nullable=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("principles", sa.JSON, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("certificates")
    op.drop_index("ix_check_answers_check_attempt_id", "check_answers")
    op.drop_table("check_answers")
    op.drop_index("ix_check_attempts_trainee_id", "check_attempts")
    op.drop_table("check_attempts")
    with op.batch_alter_table("cohorts") as cohorts:
        cohorts.drop_column("after_test_open")
