"""What the Rasa server loads from this project by module path: the messaging channels named in
credentials.yml (Telegram, WhatsApp through Twilio) and the lock store of endpoints.yml; the
guards compat installs (their settings come from trainer.settings); and the erasure of
conversations from Rasa's tracker store."""

from typing import List, Text


def split_message(text: Text, limit: int) -> List[Text]:
    """Cut a long text into parts of at most `limit` characters, at paragraph or line ends
    where possible, else between words."""
    parts, text = [], (text or "").strip()
    while len(text) > limit:
        cut = max(text.rfind("\n\n", 0, limit), text.rfind("\n", 0, limit))
        if cut <= 0:
            cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return parts + ([text] if text else [])
