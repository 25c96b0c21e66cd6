"""Attempt counters in the database, disabled trainer accounts, enrolment codes that expire,
and links that wait for confirmation.

- attempt_counters replaces the per-account failure count: sign-ins are limited per client
  address and per username (known or not), code guesses per sender and overall, each with one
  conditional UPDATE that parallel requests cannot slip past.
- trainer_accounts.disabled: an account turned off from the command line.
- cohorts.enrolment_expires_at: an enrolment code valid until a date the trainer sets.
- link_codes.claimed_*: a code sent from another channel waits until the trainee confirms it on
  the channel that made it; only then do the two records become one.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attempt_counters",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("trainer_accounts") as accounts:
        accounts.add_column(sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()))
        accounts.drop_column("failed_logins")
        accounts.drop_column("locked_until")
    with op.batch_alter_table("cohorts") as cohorts:
        cohorts.add_column(sa.Column("enrolment_expires_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("link_codes") as codes:
        codes.add_column(sa.Column("claimed_channel", sa.String(40), nullable=True))
        codes.add_column(sa.Column("claimed_sender", sa.String(255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("link_codes") as codes:
        codes.drop_column("claimed_sender")
        codes.drop_column("claimed_channel")
    with op.batch_alter_table("cohorts") as cohorts:
        cohorts.drop_column("enrolment_expires_at")
    with op.batch_alter_table("trainer_accounts") as accounts:
        accounts.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        accounts.add_column(sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"))
        accounts.drop_column("disabled")
    op.drop_table("attempt_counters")
