"""Guess whether a short message is English or French.

Trainees type a few words on a phone, often without accents, so a statistical detector has
too little to go on; common short words decide instead. Returns None when the message gives no
sign (a bare "ok", a number), so the caller keeps the language it already has.
"""

from typing import Iterable, Optional

from trainer.text import words

SUPPORTED_LANGUAGES = ("en", "fr")

_FRENCH = frozenset(
    """
    bonjour bonjou bjr bonsoir bsr salut slt coucou merci mrc aide aidez besoin au revoir
    bientot demain je j tu il elle nous vous on moi toi mon ma mes le la les un une des du de
    d et est sont suis es c ca ce cette qui que qu quoi comment pourquoi ou pas ne n oui non
    avec pour sur dans faire fait fais peux veux voudrais svp stp francais anglais parle
    commencer continuer arreter entrainement scenario regle chef mon commandant tirer civil
    civils enfant village
    """.split()
)

_ENGLISH = frozenset(
    """
    hello hi hii helo hey morning evening night good bye goodbye see thanks thank thx help
    need i me my you your we he she it is are am was the a an and or of to in on for with
    what how why where when who do does can could would should please yes no not want start
    continue stop training french english speak rule sir shoot civilian civilians child
    """.split()
)


def detect_language(text: str) -> Optional[str]:
    """Return 'en' or 'fr' when the text leans clearly one way, else None."""
    tokens = words(text or "")
    french = _count(tokens, _FRENCH)
    english = _count(tokens, _ENGLISH)
    if french > english:
        return "fr"
    if english > french:
        return "en"
    return None


def _count(tokens: Iterable[str], vocabulary: frozenset) -> int:
    return sum(1 for token in tokens if token in vocabulary)
