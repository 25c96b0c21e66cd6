"""The unlawful-act check: acts recognised in a typed answer at every decision point, whatever
the step's rubric says (content/unlawful_acts.yml).

A cue of an act counts unless the matcher reads it as negated, condemned or someone else's
(trainer/matching.py: "on ne tire pas", "burning it would be collective punishment, I forbid
it", "the men want to burn it"), or unless, in its clause, it is refused, stopped, reported or
punished ("I report the looting"), or excused by words right beside it ("no name of the
source" is no cover-up). Force at a step where no good option uses force can only be
unlawful, unless it is aimed at attackers or said as a condition; obeying counts only where the
step's options show an order whose obeying is graded 0, and not when the answer refuses.
"""

from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterator, List, Optional, Sequence, Set, Tuple, Union

from trainer.content import Act, Step, UnlawfulActs
from trainer.matching import NEGATION_WINDOW, Keys, TextMatcher, Token, Tokens, phrase_start

# Force at attackers, or at a vehicle rather than at people, is for the grader to weigh.
LAWFUL_TARGETS = frozenset(
    "fighter fighters combatant combatants terrorist terrorists terroriste terroristes gat shooter shooters "
    "tireur tireurs assaillant assaillants enemy ennemi ennemis armed "
    "tyre tyres pneu pneus roue roues wheel wheels engine moteur radiator radiateur".split()
)
EXCUSE_WINDOW = 3  # words between a cue and its excuse: "no name OF THE source"
CONDITIONAL = frozenset("if si s unless".split())
IMPERSONAL = frozenset("faut faudra faudrait fallait".split())
# "The militia beat them an hour ago", "they will kill him": what others did or may do, not the
# trainee's act (an act the trainee lets happen is lets_it_happen's to find).
THIRD_PARTY = frozenset(
    """they he she il ils elle elles militia milice sergeant sergent soldier soldiers soldat soldats captain
    capitaine lieutenant partner partners partenaire partenaires guide men hommes group groupe were was ete who
    qui""".split()
)
# "s'ils tirent sur nous, on riposte": force on condition of an attack is for the grader to weigh.
HOSTILE_ACTS = (
    "draws a weapon",
    "pulls a weapon",
    "reaches for",
    "raises his weapon",
    "aims at",
    "sort une arme",
    "leve son arme",
    "vise",
    "shoot at us",
    "fire at us",
    "fire on us",
    "attack us",
    "shoots at us",
    "tirent sur nous",
    "tire sur nous",
    "nous tire dessus",
    "nous attaque",
    "nous attaquent",
    "attaque",
    "attack",
    "grenade",
)
# A shot fired as a warning, told as such: "je tire un coup de sommation", "fire one warning
# shot" (the lexicon's warning shot group right after the shoot word, or after one of these).
WARNING_SHOT = "=warning_shot"
BEFORE_WARNING_SHOT = frozenset("a one un une deux two 1 2 des".split())
# After the warning shot, these aim it or fire again: "un coup de sommation sur eux", "then aim
# at the driver", "then the riders". Not "in" ("in the air"), nor "on" (French for we).
AIMED_OR_FIRED = frozenset(
    "at sur dans into vers towards through devant direction hauteur head tete then puis ensuite bute".split()
    + ["=shoot", "=kill"]
)


@dataclass(frozen=True)
class ActReading:
    acts: List[Act]
    refused: int  # act cues the answer names only to refuse, forbid or condemn them


class UnlawfulActCheck:
    """Finds unlawful acts in typed answers; build once per loaded content and share."""

    def __init__(self, acts: UnlawfulActs, matcher: TextMatcher):
        self.acts = acts.acts
        self.matcher = matcher
        compile_all = self._compile_all
        self._cues = {act.id: compile_all(cue for cues in act.cues.values() for cue in cues) for act in self.acts}
        # The cues an act's excuse clears, by number, with the excuse's words.
        self._excuses: Dict[Tuple[str, int], Tuple[Tuple[Keys, ...], ...]] = {}
        for act in self.acts:
            if act.excuse:
                excused = set(compile_all(act.excuse.cues))
                clearing = compile_all(word for words in act.excuse.words.values() for word in words)
                for number, cue in enumerate(self._cues[act.id]):
                    if cue in excused:
                        self._excuses[(act.id, number)] = clearing
        self._as_written = {act.id: frozenset(compile_all(act.as_written)) for act in self.acts}
        self._holding_fire = compile_all(acts.holding_fire)
        self._cancelling = compile_all(acts.cancelling)
        self._accountability = compile_all(acts.accountability)
        self._hostile = compile_all(HOSTILE_ACTS)
        self._refusal = compile_all(acts.refusal)
        self._force_cues = self._cues.get("force_where_unlawful", ())
        self._order_cues = self._cues.get("obeys_unlawful_order", ())
        self._contexts = {name: compile_all(cues) for name, cues in acts.contexts.items()}
        self._applicable: Dict[Tuple[int, str], List[Act]] = {}
        self._step_places: Dict[Tuple[int, str], Set[str]] = {}
        # Each act's cues under every key of their first word: an answer is checked only against
        # the cues that could start in it (trying all 900 of them took a third of the check).
        self._cues_by_first_word: Dict[str, List[Tuple[str, int]]] = {}
        for act_id, cues in self._cues.items():
            for number, cue in enumerate(cues):
                for key in cue[0]:
                    self._cues_by_first_word.setdefault(key, []).append((act_id, number))

    def _compile_all(self, phrases) -> Tuple[Tuple[Keys, ...], ...]:
        # Every word counts here, pronouns included: a stopword dropped from "finish him" would
        # make it "finish". Each compiled phrase once: two spellings that compile to the same words
        # ("j ai rien vu", "jai rien vu") would count an act's refusal twice.
        compiled: Dict[Tuple[Keys, ...], None] = {}
        for phrase in phrases:
            tokens = self.matcher.tokens(phrase)
            if tokens:
                compiled[tuple(token.keys for token in tokens)] = None
        return tuple(compiled)

    # Which acts apply at a step ------------------------------------------------------------

    def applicable(self, step: Step) -> List[Act]:
        """The acts checked at `step`: those `anywhere`, and those whose condition the step's
        prompt and options meet (read from the content, so a new scenario needs nothing more)."""
        key = (id(step), step.id)
        if key not in self._applicable:
            places = self._places_at(step)
            self._applicable[key] = [act for act in self.acts if act.where in places]
        return self._applicable[key]

    def _places_at(self, step: Step) -> Set[str]:
        """`_places` of `step`, read once per step."""
        key = (id(step), step.id)
        if key not in self._step_places:
            self._step_places[key] = self._places(step)
        return self._step_places[key]

    def _places(self, step: Step) -> Set[str]:
        def any_option(grades, cues) -> bool:
            return any(option.grade in grades and self._text_has(option.label, cues) for option in step.options)

        def labels(grades) -> Iterator[Tokens]:
            for option in step.options:
                if option.grade in grades:
                    yield from (self.matcher.tokens(label) for label in option.label.values())

        # A prompt is read for who is in the scene: what negates, reports or condemns a context's
        # cue takes it away ("nobody is wounded"), the words that cancel an act in an answer do not
        # ("your patrol captures a boy": capturing reads as the lexicon's arrest, French "arreter",
        # which also means stop).
        places = {
            "anywhere",
            *(name for name, cues in self._contexts.items() if self._text_has(step.prompt, cues, in_prompt=True)),
        }
        # A warning shot is an option here, graded 1 or more: firing one is not force at people.
        if any(token.word == WARNING_SHOT for tokens in labels((1, 2, 3)) for token in tokens):
            places.add("warning_shot")
        # A good option that holds fire ("Hold fire on them") tells of a fight, where force may
        # still be lawful: the rubric weighs force there.
        holds_fire = any(self._fire_held(tokens) for tokens in labels((2, 3)))
        if any_option((0,), self._force_cues) and not (holds_fire or any_option((2, 3), self._force_cues)):
            places.add("unlawful_force")
        ordered = "superior_order" in places or any_option((0,), self._order_cues)
        if ordered and not any_option((1, 2, 3), self._order_cues):
            places.add("unlawful_order")
        return places

    def _text_has(self, localized: Dict[str, str], cues, in_prompt: bool = False) -> bool:
        for text in localized.values():
            tokens = self.matcher.tokens(text)
            held = self._fire_held(tokens)
            for cue in cues:
                for start, end in self._placements(cue, tokens):
                    if in_prompt:
                        cancelled = self.matcher.negated(tokens, start, end, self.matcher.negatable(cue))
                    else:
                        cancelled = self._cancelled(tokens, start, end, held, cue=cue)
                    if not cancelled:
                        return True
        return False

    # Reading an answer ---------------------------------------------------------------------

    def find(self, step: Step, text: str, tokens: Optional[Sequence[Token]] = None) -> List[Act]:
        """The unlawful acts `text` does, orders, obeys, permits or covers up at `step`."""
        return self.read(step, text, tokens).acts

    def read(self, step: Step, text: str, tokens: Optional[Sequence[Token]] = None) -> "ActReading":
        """The acts `text` does at `step`, and how many it names only to refuse or condemn."""
        if not isinstance(tokens, Tokens):  # indexed once for all the acts' cues
            tokens = self.matcher.tokens(text) if tokens is None else Tokens(tokens)
        present = tokens.keys
        candidates: Dict[str, Set[int]] = {}
        for key in present:
            for act_id, number in self._cues_by_first_word.get(key, ()):
                candidates.setdefault(act_id, set()).add(number)
        found: List[Act] = []
        refused = 0
        warning_shots = "warning_shot" in self._places_at(step)
        held = self._fire_held(tokens)  # once per answer: every cue placement asks
        for act in self.applicable(step):
            if act.id not in candidates:
                continue
            if act.where == "unlawful_order" and self._anywhere(self._refusal, tokens):
                continue
            for number in sorted(candidates[act.id]):
                cue = self._cues[act.id][number]
                if not all(keys & present for keys in cue):  # a word of the cue is missing: no need to place it
                    continue
                negatable = self.matcher.negatable(cue)
                counted = False
                as_written = cue in self._as_written[act.id]
                for start, end in self._placements(cue, tokens, act.ordered, as_written):
                    if self._excused(act, tokens, start) or self._excused_beside(act, number, tokens, start, end):
                        continue
                    if act.where == "unlawful_force" and warning_shots and _warning_shot(tokens, start):
                        continue
                    if self._cancelled(tokens, start, end, held, act.reporting_cancels, negatable, cue):
                        refused += 1
                    else:
                        counted = True
                if counted:
                    found.append(act)
                    break
        return ActReading(found, refused)

    def _placements(
        self, cue: Sequence[Keys], tokens: Sequence[Token], ordered: bool = False, as_written: bool = False
    ) -> List[Tuple[int, int]]:
        """Where the cue's words stand close together, as rubric cues are placed; each match
        starts at its first word that is not a stopword ("LES hommes veulent BRULER le village"
        is read from "bruler", after what the men want)."""
        placed = []
        strict = not self.matcher.negatable(cue)  # "pas de prisonniers" must be said as such, not "pas ... prisonniers"
        for positions in self.matcher.positions(cue, tokens):
            if as_written and not _as_written(positions):
                continue
            if (strict or ordered) and positions != sorted(positions):
                continue
            if strict and positions[-1] - positions[0] >= len(positions) + 1:
                continue
            in_text = sorted(positions)
            anchor = next((i for i in in_text if not self.matcher.is_stopword(tokens[i])), in_text[0])
            placed.append((anchor, max(anchor, in_text[-1])))
        if strict:  # the tightest of those ending at one word: in "pas NE RIEN DIRE" the cue starts at "ne"
            tightest = {end: start for start, end in sorted(placed)}
            placed = [(start, end) for end, start in tightest.items()]
        return placed

    def _cancelled(
        self,
        tokens: Sequence[Token],
        start: int,
        end: int,
        held: Sequence[int],
        reporting_cancels: Union[bool, str] = True,
        negatable: bool = True,
        cue: Sequence[Keys] = (),
    ) -> bool:
        """Whether the cue placed at start..end (`cue`: its words' keys) is negated, refused,
        held fire on (`held`: where the answer's held fire ends, `_fire_held`) or reported rather
        than done."""
        if self.matcher.negated(tokens, start, end, negatable):
            return True
        # The cue's own words: those in its span that are words of the cue.
        own = frozenset(i for i in range(start, end + 1) if any(tokens[i].keys & keys for keys in cue))
        # Holding fire takes back the firing it names, the cue's own shoot word ("hold fire on the
        # wounded"), and nothing else in its clause ("hold fire and burn the village").
        if any(fire in own for fire in held):
            return True
        # The cue's own words are the act, not its cancelling: "no report", "nobody saw anything",
        # "arrest" (French "arreter" also means stop) in "arrest all the men", and "prisoners"
        # (the lexicon's detain, with "arreter") in "kill the prisoners": no word in its span that
        # is a word of the cue. Other words between them may cancel it: "the video must be taken
        # down online".
        window = NEGATION_WINDOW + 2
        last = end if negatable else start - 1
        if self._marker_between(
            self._cancelling, tokens, phrase_start(tokens, start, window), last, start, "clause", own
        ):
            return True
        # Reporting counts on either side: before the act in its sentence ("report to the captain,
        # we fired on civilians"), after it in its clause ("the slap and the theft, I report them"),
        # or in its sentence for an act whose reporting_cancels says so ("delete the video, and I
        # tell the captain").
        after = "sentence" if reporting_cancels == "sentence" else "clause"
        return bool(reporting_cancels) and (
            self._marker_between(self._accountability, tokens, start - window, start - 1, start, "sentence")
            or self._marker_between(self._accountability, tokens, end + 1, end + window, end, after)
        )

    def _fire_held(self, tokens: Sequence[Token]) -> List[int]:
        """Where "hold fire", "cessez le feu"... said word for word end: at their word for fire."""
        return [end for cue in self._holding_fire for _, end in self._placements(cue, tokens, as_written=True)]

    def _marker_between(
        self,
        markers,
        tokens: Sequence[Token],
        low: int,
        high: int,
        anchor: int,
        same: str,
        own: FrozenSet[int] = frozenset(),
    ) -> bool:
        """Whether a marker starts at low..high, not at `anchor` nor at the cue's `own` words, in
        the clause or sentence (`same`) of tokens[anchor]."""
        for cue in markers:
            for s, _ in self._placements(cue, tokens):
                if (
                    s != anchor
                    and s not in own
                    and low <= s <= high
                    and getattr(tokens[s], same) == getattr(tokens[anchor], same)
                ):
                    return True
        return False

    def _anywhere(self, markers, tokens: Sequence[Token]) -> bool:
        return any(self._placements(cue, tokens) for cue in markers)

    def _excused(self, act: Act, tokens: Sequence[Token], start: int) -> bool:
        sentence = tokens[start].sentence
        before = [t for t in tokens[phrase_start(tokens, start, 3) : start] if t.sentence == sentence]
        # "il faut payer": an impersonal "il" is nobody else; the act is the answer's own.
        impersonal = {i for i in range(len(before) - 1) if before[i + 1].word in IMPERSONAL}
        subject = {t.word for i, t in enumerate(before) if i not in impersonal}
        if act.id not in ("cover_up", "obeys_unlawful_order", "lets_it_happen") and subject & THIRD_PARTY:
            return True
        return self._force_excused(act, tokens, start)

    def _excused_beside(self, act: Act, number: int, tokens: Sequence[Token], start: int, end: int) -> bool:
        """Whether the act's excuse stands right beside this cue, in its clause: "no name of the
        source", not "no names, the informant saw it"."""
        clearing = self._excuses.get((act.id, number))
        if not clearing:  # most cues have no excuse: this runs for every placement of every cue
            return False
        low, high, clause = start - EXCUSE_WINDOW, end + EXCUSE_WINDOW, tokens[start].clause
        for words in clearing:
            for places in self.matcher.positions(words, tokens):
                beside = low <= places[-1] and places[0] <= high and tokens[places[0]].clause == clause
                if beside and _as_written(places):
                    return True
        return False

    def _force_excused(self, act: Act, tokens: Sequence[Token], start: int) -> bool:
        """Force at such a step may still be lawful against fighters who attack, or as a
        condition of an attack ("s'ils tirent sur nous, on riposte"), and "they will kill him" is
        what others may do: the grader weighs those, not this check."""
        if act.where != "unlawful_force":
            return False
        sentence = tokens[start].sentence
        words: FrozenSet[str] = frozenset(t.word for t in tokens if t.sentence == sentence)
        hostile = any(self._placements(cue, tokens) for cue in self._hostile)
        return bool(words & LAWFUL_TARGETS) or (bool(words & CONDITIONAL) and hostile)


def _as_written(positions: Sequence[int]) -> bool:
    """Whether words placed at `positions` stand one after the other, in order."""
    return list(positions) == list(range(positions[0], positions[0] + len(positions)))


def _warning_shot(tokens: Sequence[Token], shot: int) -> bool:
    """Whether the shoot word at `shot` fires a warning shot and nothing more: one follows it in
    its clause, at once or after a word like "un", and nothing after it aims or fires again."""
    after = shot + 1
    if after < len(tokens) and tokens[after].word in BEFORE_WARNING_SHOT:
        after += 1
    if after >= len(tokens) or tokens[after].word != WARNING_SHOT or tokens[after].clause != tokens[shot].clause:
        return False
    return not any(t.word in AIMED_OR_FIRED for t in tokens[after + 1 :])
