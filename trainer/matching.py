"""Find cue phrases in what a trainee typed, the way a reader would.

An answer and a cue are both reduced to tokens: words without case or accents, read through
the lexicon's synonym groups (so "tirer", "open fire" and "shoot" are one token) and through
the English and French Snowball stemmers (so "shooting" meets "shoot" and "évacuons" meets
"évacuer"). A cue matches when all its content words appear close together in any order.
All words of one match must stand in the same clause (commas and "but" separate clauses).
A match is negated when a negation comes shortly before it or inside it, in its clause ("I
would not shoot", "recommend no strike"), when "pas"/"jamais" follows its first word ("je tire
pas"), or when a condemnation stands in its sentence ("burning the village would be revenge,
a war crime"). A cue that is itself negative or condemning ("not responsible", "illegal order") is
never cancelled by its own words.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

import snowballstemmer

from trainer.content import Lexicon
from trainer.text import fold

Keys = FrozenSet[str]

_SENTENCE_BREAK = re.compile(r"[.;:!?\n]+")
_CLAUSE_BREAK = re.compile(r",|\bbut\b|\bmais\b|\bthen\b|\bpuis\b|\bensuite\b")
_WORD = re.compile(r"[a-z0-9]+")
MIN_STEM = 4  # shorter stems are too ambiguous: French "note" would stem to "not"
NEGATION_WINDOW = 5  # words before a match in which a negation still applies
EXTRA_WINDOW = 4  # other words allowed between the words of one cue


@lru_cache(maxsize=1)
def _stemmers():
    return snowballstemmer.stemmer("english"), snowballstemmer.stemmer("french")


@lru_cache(maxsize=50_000)
def word_keys(word: str) -> Keys:
    english, french = _stemmers()
    stems = {english.stemWord(word), french.stemWord(word)}
    return frozenset({word} | {stem for stem in stems if len(stem) >= MIN_STEM})


@dataclass(frozen=True)
class Token:
    word: str  # folded surface form, or the synonym group's name
    keys: Keys
    clause: int
    sentence: int


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    negated: bool


class TextMatcher:
    """Tokenises answers and cues with one lexicon; cheap to reuse, safe to share."""

    def __init__(self, lexicon: Lexicon):
        self._exact: Dict[str, str] = {}  # a group member's own spelling wins over any stem
        self._single: Dict[str, str] = {}
        self._phrases: List[Tuple[Tuple[Keys, ...], str]] = []
        for group in lexicon.synonyms:
            name = "=" + "_".join(_WORD.findall(fold(group[0])))
            for member in group:
                member_words = _WORD.findall(fold(member))
                if len(member_words) == 1:
                    self._exact.setdefault(member_words[0], name)
                    for key in word_keys(member_words[0]):
                        self._single.setdefault(key, name)
                elif member_words:
                    self._phrases.append((tuple(word_keys(w) for w in member_words), name))
        self._phrases.sort(key=lambda phrase: -len(phrase[0]))  # longest phrase wins
        # Each phrase under every key of its first word, so a position tries only the phrases
        # that could start there (trying them all took most of the time of grading an answer).
        self._phrases_by_first_key: Dict[str, List[int]] = {}
        for number, (words, _) in enumerate(self._phrases):
            for key in words[0]:
                self._phrases_by_first_key.setdefault(key, []).append(number)
        self._stopwords = frozenset(self._canonical(w) for w in _words(lexicon.stopwords))
        self._negations_before = frozenset(self._canonical(w) for w in _words(lexicon.negations_before))
        self._negations_after = frozenset(self._canonical(w) for w in _words(lexicon.negations_after))
        self._condemnations = frozenset(self._canonical(w) for w in _words(lexicon.condemnations))
        self._cancelling = self._negations_before | self._condemnations

    def _canonical(self, word: str) -> str:
        if word in self._exact:
            return self._exact[word]
        for key in word_keys(word):
            if key in self._single:
                return self._single[key]
        return word

    def tokens(self, text: str) -> List[Token]:
        """The tokens of a text, synonyms folded into their group."""
        raw: List[Tuple[str, int, int]] = []
        clause = 0
        for sentence, sentence_text in enumerate(_SENTENCE_BREAK.split(fold(text))):
            for part in _CLAUSE_BREAK.split(sentence_text):
                raw.extend((word, clause, sentence) for word in _WORD.findall(part))
                clause += 1
        tokens: List[Token] = []
        index = 0
        while index < len(raw):
            phrase = self._phrase_at(raw, index)
            if phrase:
                length, name = phrase
                tokens.append(Token(name, frozenset({name}), raw[index][1], raw[index][2]))
                index += length
                continue
            word, clause, sentence = raw[index]
            name = self._canonical(word)
            keys = frozenset({name}) if name.startswith("=") else word_keys(word)
            tokens.append(Token(name, keys, clause, sentence))
            index += 1
        return tokens

    def _phrase_at(self, raw, index) -> Optional[Tuple[int, str]]:
        starting_here = {n for key in word_keys(raw[index][0]) for n in self._phrases_by_first_key.get(key, ())}
        for number in sorted(starting_here):  # in the order of self._phrases: longest first
            words, name = self._phrases[number]
            end = index + len(words)
            if end <= len(raw) and all(word_keys(raw[index + offset][0]) & keys for offset, keys in enumerate(words)):
                return len(words), name
        return None

    def compile(self, cue: str) -> Tuple[Keys, ...]:
        """The content words of a cue; empty when it has only stopwords."""
        return tuple(t.keys for t in self.tokens(cue) if t.word not in self._stopwords)

    def find(self, cue: Sequence[Keys], tokens: Sequence[Token]) -> Optional[Match]:
        """The first place where every word of `cue` appears close together, if any.

        A non-negated match is preferred over a negated one anywhere in the answer.
        """
        if not cue:
            return None
        span = len(cue) + EXTRA_WINDOW
        found: Optional[Match] = None
        for start, token in enumerate(tokens):
            if not any(token.keys & keys for keys in cue):
                continue
            window = [t for t in tokens[start : start + span] if t.clause == token.clause]
            positions = _assign(cue, window)
            if positions is None:
                continue
            negatable = not any(keys & self._cancelling for keys in cue)
            end = start + max(positions)
            match = Match(start, end, negatable and self._negated(tokens, start, end))
            if not match.negated:
                return match
            found = found or match
        return found

    def _negated(self, tokens: Sequence[Token], start: int, end: int) -> bool:
        clause, sentence = tokens[start].clause, tokens[start].sentence

        def any_in(selection, words) -> bool:
            return any(t.clause == clause and t.word in words for t in selection)

        return (
            any_in(tokens[max(0, start - NEGATION_WINDOW) : end + 1], self._negations_before)
            or any_in(tokens[start + 1 : start + 3], self._negations_after)
            or any(t.sentence == sentence and t.word in self._condemnations for t in tokens)
        )


def _assign(cue: Sequence[Keys], window: Sequence[Token]) -> Optional[List[int]]:
    """Positions in `window` of each cue word (first cue word at some position), or None."""
    used: List[int] = []
    for keys in cue:
        position = next((i for i, token in enumerate(window) if i not in used and token.keys & keys), None)
        if position is None:
            return None
        used.append(position)
    return used if 0 in used else None


def _words(items: Sequence[str]) -> List[str]:
    return [word for item in items for word in _WORD.findall(fold(item))]
