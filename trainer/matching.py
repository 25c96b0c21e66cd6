"""Find cue phrases in what a trainee typed, the way a reader would.

An answer and a cue are both reduced to tokens: words without case or accents, read through
the lexicon's synonym groups (so "tirer", "open fire" and "shoot" are one token) and through
the English and French Snowball stemmers (so "shooting" meets "shoot" and "évacuons" meets
"évacuer"). A cue matches when all its content words appear close together in any order.
All words of one match must stand in the same clause (commas and "but" separate clauses).
A match is negated when a negation comes shortly before it or inside it, in its clause ("I
would not shoot", "recommend no strike"; but "no mercy, burn it" burns), when "pas"/"jamais"
follows its first word ("je tire pas"), when a condemnation stands in its sentence with no
"but" between them ("burning the village would be revenge, a war crime"; but "it is a war
crime but orders are orders, we burn it" burns), or when it follows what someone else says or
wants in its sentence ("the men want to burn it"; but "je veux le bruler" is the trainee's
own). A cue that is itself negative or condemning ("not responsible", "illegal order") is never
cancelled by its own words.
"""

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Tuple

import snowballstemmer

from trainer.content import Lexicon
from trainer.text import fold

Keys = FrozenSet[str]

_SENTENCE_BREAK = re.compile(r"[.;:!?\n]+")
# Clauses end at a comma or a dash, and before "but", "then"... (the word opens the next clause:
# "it is a war crime BUT orders are orders" must still see its "but").
_CLAUSE_BREAK = re.compile(r",|\s[-–—]+\s|(?=\b(?:but|mais|then|puis|ensuite)\b)")
_WORD = re.compile(r"[a-z0-9]+")
MIN_STEM = 4  # shorter stems are too ambiguous: French "note" would stem to "not"
NEGATION_WINDOW = 5  # words before a match in which a negation still applies
_COORDINATION = frozenset(("and", "et"))
_SUBJECTS = frozenset(("i", "we", "you", "on", "je", "j", "nous"))
_BARE_NO = frozenset({"no", "non", "nope", "nah", "=not"})
FIRST_PERSON_WINDOW = 2  # "je veux", "we say": the trainee speaking, not reporting someone else
NAMING_WINDOW = 3  # words between "c'est" and the act it names
HYPOTHETICAL_WINDOW = 6  # words between an act and "would be" ("mettre une arme a cote d'elle ce serait...")
EXTRA_WINDOW = 4  # other words allowed between the words of one cue
_CONDITIONS = frozenset({"if", "si"})
_MAIN_SUBJECTS = frozenset({"we", "i", "on", "je", "j", "nous"})
# "J'ai envie de les buter mais bon... lampe et sommation": a wish held back by a "but" is not done.
_WISHES = frozenset("want wanna wish tempted voudrais voudrait jvoudrais aimerais jaimerais envie tente".split())
# Words that may open an order given in the imperative ("then tell her he is not here").
_IMPERATIVE_LEAD = frozenset({"just", "then", "and", "so", "ok", "okay", "et", "puis", "alors", "donc"})


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


class Tokens(List[Token]):
    """The tokens of one text, indexed by the keys they carry: a cue is placed only where its
    words stand, and one with a word the text lacks is ruled out at once (trying every cue at
    every token was most of the time of grading an answer)."""

    @cached_property
    def where(self) -> Dict[str, List[int]]:
        """Each key, and the positions of the tokens that carry it."""
        index: Dict[str, List[int]] = {}
        for position, token in enumerate(self):
            for key in token.keys:
                index.setdefault(key, []).append(position)
        return index

    @cached_property
    def keys(self) -> Keys:
        return frozenset(self.where)

    @cached_property
    def windows(self) -> Dict[Tuple[Keys, ...], List[Tuple[int, List[int]]]]:
        """Where each cue already placed in this text stands (_windows): the rubric, every act
        and every cancelling marker place the same cues again and again in one answer."""
        return {}

    def has(self, cue: Sequence[Keys]) -> bool:
        """Whether every word of `cue` is somewhere in the text."""
        present = self.keys
        return all(keys & present for keys in cue)

    def starts(self, cue: Sequence[Keys]) -> List[int]:
        """The positions of tokens carrying a word of `cue`, when the text has all its words."""
        if not self.has(cue):
            return []
        return sorted({position for keys in cue for key in keys for position in self.where.get(key, ())})


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
        self._spellings = {short: _WORD.findall(fold(full)) for short, full in lexicon.spellings}
        self._stopwords = frozenset(self._canonical(w) for w in _words(lexicon.stopwords))
        self._negations_before = frozenset(self._canonical(w) for w in _words(lexicon.negations_before))
        self._negations_after = frozenset(self._canonical(w) for w in _words(lexicon.negations_after))
        # A condemnation may be a phrase of a synonym group ("punition collective"): its group counts.
        self._condemnations = frozenset(
            name for entry in lexicon.condemnations for name in self._condemnation_names(entry)
        )
        self._cancelling = self._negations_before | self._condemnations
        self._first_person = frozenset(_words(lexicon.first_person))
        self._reported = tuple(filter(None, (self._all_words(phrase) for phrase in lexicon.reported)))
        self._contrast = tuple(filter(None, (self._all_words(phrase) for phrase in lexicon.contrast)))
        self._naming_before = tuple(filter(None, (self._all_words(phrase) for phrase in lexicon.naming_before)))
        self._naming_after = tuple(filter(None, (self._all_words(phrase) for phrase in lexicon.naming_after)))

    def _condemnation_names(self, entry: str) -> List[str]:
        words = _WORD.findall(fold(entry))
        if len(words) > 1:
            phrase = self._phrase_at([(word, 0, 0) for word in words], 0)
            if phrase and phrase[0] == len(words):
                return [phrase[1]]
        return [self._canonical(word) for word in words]

    def _canonical(self, word: str) -> str:
        if word in self._exact:
            return self._exact[word]
        for key in word_keys(word):
            if key in self._single:
                return self._single[key]
        return word

    def tokens(self, text: str) -> Tokens:
        """The tokens of a text, synonyms folded into their group."""
        raw: List[Tuple[str, int, int]] = []
        clause = 0
        for sentence, sentence_text in enumerate(_SENTENCE_BREAK.split(fold(text))):
            for part in _CLAUSE_BREAK.split(sentence_text):
                spelled = [w for word in _WORD.findall(part) for w in self._spellings.get(word, (word,))]
                for piece in self._split_condition(spelled):
                    raw.extend((word, clause, sentence) for word in piece)
                    clause += 1
        tokens = Tokens()
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

    def _split_condition(self, words: List[str]) -> List[List[str]]:
        """A negated condition typed with no comma before its main clause ends where the main
        clause's subject begins: in "si ils s'arretent pas on les allume" the "pas" is the
        condition's, and "on les allume" is said, not negated."""
        for start, word in enumerate(words):
            if word in _CONDITIONS or (word == "s" and words[start + 1 : start + 2] in (["il"], ["ils"])):
                break
        else:
            return [words]
        negated = False
        for index in range(start + 1, len(words)):
            if negated and words[index] in _MAIN_SUBJECTS:
                return [words[:index], *self._split_condition(words[index:])]
            negated = negated or self._canonical(words[index]) == "=not"
        return [words]

    def _phrase_at(self, raw, index) -> Optional[Tuple[int, str]]:
        starting_here = {n for key in word_keys(raw[index][0]) for n in self._phrases_by_first_key.get(key, ())}
        for number in sorted(starting_here):  # in the order of self._phrases: longest first
            words, name = self._phrases[number]
            end = index + len(words)
            if end > len(raw) or raw[end - 1][1] != raw[index][1]:  # a phrase stays in its clause
                continue
            if all(word_keys(raw[index + offset][0]) & keys for offset, keys in enumerate(words)):
                return len(words), name
        return None

    def compile(self, cue: str) -> Tuple[Keys, ...]:
        """The content words of a cue; empty when it has only stopwords."""
        return tuple(t.keys for t in self.tokens(cue) if t.word not in self._stopwords)

    def _all_words(self, phrase: str) -> Tuple[Keys, ...]:
        """Every word of a phrase, stopwords included ("tant pis", "quand meme")."""
        return tuple(t.keys for t in self.tokens(phrase))

    def placements(self, cue: Sequence[Keys], tokens: Sequence[Token]) -> List[Tuple[int, int]]:
        """Every (start, end) where the words of `cue` stand close together in one clause."""
        return [(min(positions), max(positions)) for positions in self.positions(cue, tokens)]

    def positions(self, cue: Sequence[Keys], tokens: Sequence[Token]) -> List[List[int]]:
        """For each place the words of `cue` stand close together in one clause, the positions
        of those words in `tokens`, in the cue's order (kept for the text: read, never change)."""
        return [positions for _, positions in _windows(cue, tokens)]

    def is_stopword(self, token: Token) -> bool:
        return token.word in self._stopwords

    def find(self, cue: Sequence[Keys], tokens: Sequence[Token], act: bool = True) -> Optional[Match]:
        """The first place where every word of `cue` appears close together, if any.

        A non-negated match is preferred over a negated one anywhere in the answer. An `act` (a
        red flag) is also cancelled when it is condemned, named or someone else's; conduct the
        answer proposes (a concept) only by a negation.
        """
        found: Optional[Match] = None
        negatable = self.negatable(cue)
        for start, positions in _windows(cue, tokens):
            end = max(positions)
            match = Match(start, end, negatable and self._negated(tokens, start, end, act))
            if not match.negated:
                return match
            found = found or match
        return found

    def negated(self, tokens: Sequence[Token], start: int, end: int, negatable: bool = True) -> bool:
        """Whether the act at start..end is negated, condemned, named or someone else's (module
        doc); a cue that is itself negative (`negatable` False) is not negated by its own words."""
        if negatable:
            return self._negated(tokens, start, end, act=True)
        clause = tokens[start].clause
        before = tokens[max(0, start - NEGATION_WINDOW) : start]
        # "c'est" before a negative cue says it, not names it: "c'est pas mon affaire".
        return any(t.clause == clause and t.word in self._negations_before for t in before) or self._not_done(
            tokens, start, end, named_before=False
        )

    def condemns(self, tokens: Sequence[Token]) -> bool:
        """Whether the text holds a condemnation ("this is wrong", "c'est un crime")."""
        return any(token.word in self._condemnations for token in tokens)

    def negatable(self, cue: Sequence[Keys]) -> bool:
        """A cue that is itself negative or condemning ("no report", "illegal order") is never
        cancelled by its own words."""
        return not any(keys & self._cancelling for keys in cue)

    def _negated(self, tokens: Sequence[Token], start: int, end: int, act: bool = True) -> bool:
        clause = tokens[start].clause

        def any_in(selection, words) -> bool:
            return any(t.clause == clause and t.word in words for t in selection)

        if any_in(tokens[phrase_start(tokens, start, NEGATION_WINDOW) : end + 1], self._negations_before) or any_in(
            tokens[start + 1 : start + 3], self._negations_after
        ):
            return True
        return act and self._not_done(tokens, start, end)

    def _not_done(self, tokens: Sequence[Token], start: int, end: int, named_before: bool = True) -> bool:
        """The act is condemned, someone else's, named rather than done, or taken back."""
        return (
            self._condemned(tokens, start)
            or self._reported_by_others(tokens, start)
            or self._named(tokens, start, end, named_before)
            or self._taken_back(tokens, start)
            or self._held_back(tokens, start)
        )

    def _taken_back(self, tokens: Sequence[Token], start: int) -> bool:
        """The next sentence begins with a bare "no": "sure, let's burn the village... no. We report.",
        "burn the village? no, that is collective punishment"."""
        sentence = tokens[start].sentence
        following = [t for t in tokens if t.sentence == sentence + 1]
        if not following or following[0].word not in _BARE_NO:
            return False
        # A next sentence of at most two words ("no.", "no way."), or a "no" alone in its first
        # clause ("no, that is ..."); not "no exceptions, search her".
        first_clause = [t for t in following if t.clause == following[0].clause]
        return len(following) <= 2 or len(first_clause) == 1

    def _held_back(self, tokens: Sequence[Token], start: int) -> bool:
        """The act is only wished, then held back: "I want to shoot them but I shout stop"."""
        clause, sentence = tokens[start].clause, tokens[start].sentence
        wished = any(t.clause == clause and t.word in _WISHES for t in tokens[max(0, start - NEGATION_WINDOW) : start])
        contrasts = (s for cue in self._contrast for s, _ in self.placements(cue, tokens))
        return wished and any(s > start and tokens[s].sentence == sentence for s in contrasts)

    def _named(self, tokens: Sequence[Token], start: int, end: int, before: bool = True) -> bool:
        """The act is named rather than done: "c'est de la torture", "burning it would be revenge"."""
        for cue in self._naming_before if before else ():
            for position, last in self.placements(cue, tokens):
                # before the act, not inside it: "c'est l'ordre" obeys, "c'est de la torture" names
                if start - NAMING_WINDOW <= last < start and tokens[position].clause == tokens[start].clause:
                    return True
        for cue in self._naming_after:
            for position, _ in self.placements(cue, tokens):
                if end < position <= end + HYPOTHETICAL_WINDOW and tokens[position].sentence == tokens[start].sentence:
                    return True
        return False

    def _condemned(self, tokens: Sequence[Token], start: int) -> bool:
        """A condemnation in the sentence, with no "but" between it and the match."""
        sentence = tokens[start].sentence
        contrasts = [
            s for cue in self._contrast for s, _ in self.placements(cue, tokens) if tokens[s].sentence == sentence
        ]
        for index, token in enumerate(tokens):
            if token.sentence == sentence and token.word in self._condemnations:
                low, high = sorted((index, start))
                if not any(low < position <= high for position in contrasts):
                    return True
        return False

    def _reported_by_others(self, tokens: Sequence[Token], start: int) -> bool:
        """The match follows, in its sentence, what someone other than the trainee says or wants."""
        sentence = tokens[start].sentence
        for cue in self._reported:
            for position, _ in self.placements(cue, tokens):
                if tokens[position].sentence != sentence or position >= start or self._imperative(tokens, position):
                    continue
                speaker = tokens[max(0, position - FIRST_PERSON_WINDOW) : position]
                if not any(t.sentence == sentence and t.word in self._first_person for t in speaker):
                    return True
        return False

    @staticmethod
    def _imperative(tokens: Sequence[Token], position: int) -> bool:
        """A verb of saying that opens its clause is the trainee's own order ("shout stop",
        "tell her he is not here"), not what someone else says."""
        clause = tokens[position].clause
        before = [t for t in tokens[:position] if t.clause == clause]
        return all(t.word in _IMPERATIVE_LEAD for t in before)


def phrase_start(tokens: Sequence[Token], start: int, window: int) -> int:
    """Where the words that can negate or cancel tokens[start] begin: `window` words before it,
    or after an "and" that brings in a new subject ("on arrete tout et on efface les videos":
    the stopping does not reach the deleting; "I don't shoot and we burn it": nor the "don't")."""
    for i in range(start - 1, max(0, start - window) - 1, -1):
        if tokens[i].word in _COORDINATION and i + 1 < start and tokens[i + 1].word in _SUBJECTS:
            return i + 1
    return max(0, start - window)


def _windows(cue: Sequence[Keys], tokens: Sequence[Token]) -> List[Tuple[int, List[int]]]:
    """Each token a word of `cue` starts a window of the same clause; where every word of the
    cue stands in it: that start and the words' positions in `tokens`, in the cue's order."""
    if not isinstance(tokens, Tokens):
        return list(_place(cue, tokens))
    key = tuple(cue)
    if key not in tokens.windows:
        tokens.windows[key] = list(_place(cue, tokens))
    return tokens.windows[key]


def _place(cue: Sequence[Keys], tokens: Sequence[Token]) -> Iterator[Tuple[int, List[int]]]:
    if not cue:
        return
    if isinstance(tokens, Tokens):
        starts: Iterable[int] = tokens.starts(cue)
    else:
        starts = (i for i, token in enumerate(tokens) if any(token.keys & keys for keys in cue))
    span = len(cue) + EXTRA_WINDOW
    for start in starts:
        clause = tokens[start].clause
        window = [t for t in tokens[start : start + span] if t.clause == clause]
        positions = _assign(cue, window)
        if positions is not None:
            yield start, [start + p for p in positions]


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
