"""Text normalisation shared by language detection, answer scoring and what trainees type."""

import re
import unicodedata
from typing import List

_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case and strip accents, so 'Évacuer' and 'evacuer' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> List[str]:
    """The folded words of a text; apostrophes split ('l'enfant' gives 'l', 'enfant')."""
    return _WORD.findall(fold(text))


def printable(text: str) -> str:
    """`text` on one line without control or format characters (a right-to-left override in a
    trainee's name would reorder what a trainer reads next to it), spaces collapsed."""
    kept = "".join(char if unicodedata.category(char)[0] != "C" else " " for char in text)
    return " ".join(kept.split())
