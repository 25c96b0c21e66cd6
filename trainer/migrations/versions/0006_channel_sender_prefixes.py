"""Sender ids that only their channel can make.

Conversations from the web page, Telegram and WhatsApp are now filed under "web:", "tg:" and
"wa:" sender ids (trainer.identities.CHANNEL_PREFIXES), so that no REST client can name one.
The trainees' channel identities follow, so a Telegram or WhatsApp trainee keeps their record.
(Web sessions are new: the page now signs them, and old ones were never proven.)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

identities = sa.table("channel_identities", sa.column("channel", sa.String), sa.column("sender_id", sa.String))


def upgrade() -> None:
    bind = op.get_bind()
    for channel, prefix, dropped in (("telegram", "tg:", ""), ("twilio", "wa:", "whatsapp:")):
        rows = bind.execute(sa.select(identities.c.sender_id).where(identities.c.channel == channel)).scalars()
        for old in list(rows):
            if old.startswith(prefix):
                continue
            new = prefix + (old[len(dropped) :] if dropped and old.startswith(dropped) else old)
            bind.execute(
                identities.update()
                .where(identities.c.channel == channel, identities.c.sender_id == old)
                .values(sender_id=new)
            )


def downgrade() -> None:
    bind = op.get_bind()
    for channel, prefix, restored in (("telegram", "tg:", ""), ("twilio", "wa:", "whatsapp:")):
        rows = bind.execute(sa.select(identities.c.sender_id).where(identities.c.channel == channel)).scalars()
        for new in list(rows):
            if new.startswith(prefix):
                bind.execute(
                    identities.update()
                    .where(identities.c.channel == channel, identities.c.sender_id == new)
                    .values(sender_id=restored + new[len(prefix) :])
                )
