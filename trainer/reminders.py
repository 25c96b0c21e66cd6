"""The reminders process (`python -m trainer reminders`, started by `make run`): every few
minutes, trainees who agreed to reminders and have a review due get one Telegram message with a
"Review now" button. What was announced is stored, so a restart sends nothing twice.

Only Telegram: WhatsApp lets a business write first only inside 24 hours of the trainee's last
message, or with a template approved by Meta (docs/messaging.md); the web page cannot be
written to while closed. Those trainees get their reviews when they next write.
"""

import logging
import time
from datetime import datetime
from typing import Optional

import requests

from trainer import settings
from trainer.content import Content
from trainer.db import Database, StoreUnavailable
from trainer.identities import verified_id
from trainer.spaced_review import SpacedReview

logger = logging.getLogger(__name__)


def send_due(db: Database, content: Content, token: str, api_url: str, now: Optional[datetime] = None) -> int:
    """Send the reminders due at `now`; returns how many were sent. A trainee Telegram did not
    reach is tried again at the next round."""
    store, sent = SpacedReview(db), 0
    for trainee_id, sender, language, item_ids in store.to_remind(now):
        keyboard = {
            "inline_keyboard": [[{"text": content.label("review_button", language), "callback_data": "/review"}]]
        }
        try:
            reply = requests.post(
                f"{api_url}/bot{token}/sendMessage",
                json={
                    "chat_id": verified_id("telegram", sender),
                    "text": content.label("reminder", language, count=len(item_ids)),
                    "reply_markup": keyboard,
                },
                timeout=15,
            )
            reply.raise_for_status()
        except requests.RequestException as error:
            logger.warning(
                "reminders: Telegram did not take the reminder for trainee %s: %s", trainee_id, type(error).__name__
            )
            continue
        store.mark_reminded(item_ids, now)
        sent += 1
    return sent


def run(once: bool = False) -> int:
    from trainer.content_loader import load_content

    token, api_url = settings.telegram_bot()
    interval = settings.reminder_interval_seconds()
    db, content = Database(), load_content()
    if not token:
        logger.warning(
            "reminders: no TELEGRAM_TOKEN, so no reminders are sent (reviews still come when trainees write)"
        )
    while True:
        if token:
            try:
                sent = send_due(db, content, token, api_url)
                if sent:
                    logger.info("reminders: %d sent", sent)
            except StoreUnavailable:
                logger.warning("reminders: the database is unreachable; trying again in %.0f s", interval)
        if once:
            return 0
        time.sleep(interval)
