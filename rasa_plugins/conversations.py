"""Erase trainees' conversations from Rasa's SQL tracker store (a trainee's right to erasure).

Rasa's tracker store keeps every event of a conversation in its `events` table, keyed by sender
id; there is no Rasa API to delete a conversation, so the rows are deleted here with plain
SQLAlchemy (importing Rasa would load TensorFlow into a command-line tool).
"""

from typing import Iterable

from sqlalchemy import MetaData, Table, delete, inspect

from trainer.db import create_db_engine


def erase_conversations(tracker_store_url: str, sender_ids: Iterable[str]) -> int:
    """Delete every event of these senders; returns how many rows went."""
    sender_ids = list(sender_ids)
    engine = create_db_engine(tracker_store_url)
    try:
        if not sender_ids or not inspect(engine).has_table("events"):
            return 0
        events = Table("events", MetaData(), autoload_with=engine)
        with engine.begin() as connection:
            return connection.execute(delete(events).where(events.c.sender_id.in_(sender_ids))).rowcount
    finally:
        engine.dispose()
