"""Text normalisation shared by language detection and answer scoring."""
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
