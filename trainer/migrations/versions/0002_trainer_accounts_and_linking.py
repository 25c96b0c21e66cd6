"""Trainer accounts owning cohorts, and one-time codes linking a trainee's channels.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trainer_accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(80), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("cohorts") as cohorts:
        cohorts.add_column(sa.Column("owner_id", sa.Integer, nullable=True))
        cohorts.create_foreign_key("fk_cohorts_owner", "trainer_accounts", ["owner_id"], ["id"], ondelete="SET NULL")
    op.create_table(
        "link_codes",
        sa.Column("code", sa.String(12), primary_key=True),
        sa.Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    op.drop_table("link_codes")
    with op.batch_alter_table("cohorts") as cohorts:
        cohorts.drop_constraint("fk_cohorts_owner", type_="foreignkey")
        cohorts.drop_column("owner_id")
    op.drop_table("trainer_accounts")
