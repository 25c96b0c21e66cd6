"""Grade a typed answer as an instructor would, on answers nobody here wrote.

Three readings of the answer are combined:

1. the step's rubric (trainer/scoring.py): the concepts said and missed, red flags, cautions -
   what the feedback explains;
2. the unlawful-act check (trainer/unlawful.py), at every step: an answer that does, orders,
   obeys, permits or covers up an unlawful act is graded 0, whatever else it says - unless the
   examples read it as likely lawful, when it is unsure instead;
3. graded examples: how close the answer comes, in meaning (sentence embeddings, any language)
   and in spelling (character n-grams, slang and typos), to answers instructors graded at this
   step (content/graded_answers.jsonl, where trainers' reviews are added with `python -m trainer
   review export`) and to the step's options.

A small model weighs these readings (trained on the examples, each writer's answers read with
the other writers' examples only, so that it learns to grade answers it has not seen). When it
is unsure, it does not guess: the answer is marked unsure with the options closest to it, and
the trainee is asked "Did you mean...?".
"""

import hashlib
import json
import logging
import math
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import joblib
import numpy
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from trainer.content import Content, Step
from trainer.embedding import Embedder
from trainer.matching import Token
from trainer.scoring import GradeResult, Scorer
from trainer.settings import CACHE_DIR, GRADE_MAX, GRADED_ANSWERS, MAX_ANSWER_CHARS
from trainer.text import fold
from trainer.unlawful import UnlawfulActCheck

GRADES = tuple(range(GRADE_MAX + 1))
UNCLEAR = GRADE_MAX + 1  # the class of answers with nothing gradable
CLASSES = GRADES + (UNCLEAR,)
NEIGHBOURS = 8
NEIGHBOUR_TEMPERATURE = 0.05
# Below this probability for its grade an answer is unsure ("Did you mean...?"); and a lawful
# grade with this chance of being unlawful (or the reverse) is unsure too. Chosen on the
# development part, by leave-one-writer-out cross-validation (benchmarks/README.md).
CONFIDENT = 0.65
UNLAWFUL_DOUBT = 0.01
# An answer where the unlawful-act check found an act is graded 0, unless the graded examples
# give it at least this chance of being lawful: then it is unsure (same choice as above).
LAWFUL_DESPITE_CUES = 0.15
DEFAULT_EXAMPLES = GRADED_ANSWERS
# The fitted grader depends on these modules too: a change to any of them fits it again.
_CODE = ("grader.py", "unlawful.py", "matching.py", "scoring.py", "embedding.py", "text.py")
logger = logging.getLogger(__name__)


def load_grader(
    content: Content, examples_path: Path = DEFAULT_EXAMPLES, cache_dir: Optional[Path] = CACHE_DIR
) -> "Grader":
    """The grader for this content and these examples: fitted once, then read back from
    `cache_dir` by every process that needs it (fitting takes tens of seconds; reading, one)."""
    examples = load_examples(examples_path) if Path(examples_path).is_file() else []
    if cache_dir is None:
        return Grader(content, examples)
    key = _fingerprint(content, examples)
    cached = Path(cache_dir) / f"grader-{key}.joblib"
    fitted = None
    if cached.is_file():
        try:
            fitted = joblib.load(cached)
        except Exception as error:  # a cache is only a cache: fit again
            logger.warning("could not read the fitted grader %s (%s); fitting again", cached, error)
    grader = Grader(content, examples, fitted=fitted)
    if fitted is None:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
        os.close(handle)
        joblib.dump(grader.fitted, temporary)
        os.replace(temporary, cached)  # whole or nothing, even with several processes fitting at once
    return grader


def _fingerprint(content: Content, examples: Sequence["GradedExample"]) -> str:
    digest = hashlib.sha256()
    for module in _CODE:
        digest.update((Path(__file__).parent / module).read_bytes())
    for part in (_as_graded(content.scenarios), content.lexicon, content.unlawful_acts, examples):
        digest.update(repr(part).encode())
    return digest.hexdigest()[:16]


def _as_graded(scenarios):
    """The scenarios without their drawings, which grading never reads: a centre that adds or
    changes a picture does not wait minutes for the grader to be fitted again."""
    return {
        key: replace(
            scenario, picture=None, steps={k: replace(step, picture=None) for k, step in scenario.steps.items()}
        )
        for key, scenario in scenarios.items()
    }


@dataclass(frozen=True)
class GradedExample:
    scenario: str
    step: str
    text: str
    grade: Optional[int]  # None: nothing gradable
    writer: str = "team"
    lang: str = ""


def load_examples(path: Path = DEFAULT_EXAMPLES) -> List[GradedExample]:
    """Graded answers as JSON lines {"scenario", "step", "text", "expected", "writer"?}."""
    examples = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            examples.append(
                GradedExample(
                    item["scenario"],
                    item["step"],
                    item["text"],
                    item["expected"],
                    item.get("writer", "team"),
                    item.get("lang", ""),
                )
            )
    return examples


@dataclass
class Bank:
    """One step's graded examples and options, as unit vectors with their grades."""

    vectors: numpy.ndarray
    grades: numpy.ndarray  # CLASSES indices
    writers: Tuple[str, ...]
    option_vectors: numpy.ndarray
    option_grades: numpy.ndarray
    option_ids: Tuple[str, ...]


class Grader:
    """Grades typed answers; build once per loaded content (fitting takes a few seconds)."""

    def __init__(
        self,
        content: Content,
        examples: Sequence[GradedExample] = (),
        embedder: Optional[Embedder] = None,
        fitted: Optional[Tuple["_TextModel", Optional["_Weighing"]]] = None,
    ):
        self.content = content
        self.scorer = Scorer(content)
        self.matcher = self.scorer.matcher  # one matcher: the rubric's tokens serve every reading
        self.check = UnlawfulActCheck(content.unlawful_acts, self.matcher)
        self.embedder = embedder or Embedder()
        usable = [
            e for e in examples if e.scenario in content.scenarios and e.step in content.scenarios[e.scenario].steps
        ]
        self.examples = list(usable)
        self._vectors = self.embedder.encode_many([e.text for e in usable])
        self._steps = {(s.id, step.id): step for s in content.scenarios.values() for step in s.steps.values()}
        self._option_banks = {key: self._options(step) for key, step in self._steps.items()}
        self._vocabulary = self._vocabularies()
        self.banks = self._banks(range(len(usable)))
        if fitted is not None:
            self.text_model, self.model = fitted
        else:
            self.text_model = _TextModel().fit(
                [e.text for e in usable], [_class(e.grade) for e in usable], self._vectors
            )
            self.model = self._fit_weighing()

    @property
    def fitted(self) -> Tuple["_TextModel", Optional["_Weighing"]]:
        """What fitting computed (the slow part), to keep in a cache file."""
        return self.text_model, self.model

    # Fitting -----------------------------------------------------------------------------------

    def _vocabularies(self) -> Dict[Tuple[str, str], Tuple[frozenset, frozenset]]:
        """Per step, the words an answer to it may use: its own (options, rubric cues, model
        answers, every unlawful act's cues), and those of the answers instructors graded there."""
        acts = {
            key
            for act in self.content.unlawful_acts.acts
            for cues in act.cues.values()
            for cue in cues
            for key in self._keys(cue)
        }
        vocabulary = {}
        for key, step in self._steps.items():
            texts = [t for option in step.options for t in option.label.values()]
            texts += list(step.rubric.model_answer.values())
            groups = step.rubric.concepts + step.rubric.cautions + step.rubric.red_flags
            texts += [cue for group in groups for cue in group.all_cues()]
            graded = [e.text for e in self.examples if (e.scenario, e.step) == key and e.grade is not None]
            own = frozenset(k for text in texts for k in self._keys(text)) | acts
            vocabulary[key] = (own, frozenset(k for text in graded for k in self._keys(text)))
        return vocabulary

    def _on_topic(self, tokens: Sequence[Token], step_key: Tuple[str, str]) -> bool:
        """Whether an answer says anything the step is about: one of the step's own words, or
        two of the words its graded answers use. "banana", "ok", "who won the match last night"
        do not."""
        said = self._topic_keys(tokens)
        own, graded = self._vocabulary[step_key]
        return bool(said & own) or len(said & graded) >= 2

    def _keys(self, text: str) -> frozenset:
        return self._topic_keys(self.matcher.tokens(text))

    def _topic_keys(self, tokens: Sequence[Token]) -> frozenset:
        """The words that can say what a text is about (stopwords and small talk aside)."""
        return frozenset(
            k for t in tokens if not self.matcher.is_stopword(t) and t.word not in _NO_TOPIC for k in t.keys
        )

    def _options(self, step: Step):
        texts, grades, ids = [], [], []
        for option in step.options:
            for text in option.label.values():
                texts.append(text)
                grades.append(option.grade)
                ids.append(option.id)
        for text in step.rubric.model_answer.values():
            texts.append(text)
            grades.append(GRADE_MAX)
            ids.append("")
        return self.embedder.encode_many(texts), numpy.array(grades), tuple(ids)

    def _banks(self, indices: Iterable[int]) -> Dict[Tuple[str, str], Bank]:
        by_step: Dict[Tuple[str, str], List[int]] = {}
        for index in indices:
            example = self.examples[index]
            by_step.setdefault((example.scenario, example.step), []).append(index)
        banks = {}
        for key in self._steps:
            chosen = by_step.get(key, [])
            option_vectors, option_grades, option_ids = self._option_banks[key]
            banks[key] = Bank(
                self._vectors[chosen]
                if chosen
                else numpy.zeros((0, self._vectors.shape[1] if len(self._vectors) else 512)),
                numpy.array([_class(self.examples[i].grade) for i in chosen], dtype=int),
                tuple(self.examples[i].writer for i in chosen),
                option_vectors,
                option_grades,
                option_ids,
            )
        return banks

    def _fit_weighing(self) -> Optional["_Weighing"]:
        """The model that weighs the readings, fitted on features each writer's answers get from
        the other writers' examples: what it learns is how to grade an unseen writer."""
        if len(self.examples) < 50:
            return None
        writers = sorted({e.writer for e in self.examples})
        rows, labels = [], []
        for writer in writers:
            others = [i for i, e in enumerate(self.examples) if e.writer != writer]
            mine = [i for i, e in enumerate(self.examples) if e.writer == writer]
            banks = self._banks(others)
            text_model = _TextModel().fit(
                [self.examples[i].text for i in others],
                [_class(self.examples[i].grade) for i in others],
                self._vectors[others],
            )
            for index in mine:
                example = self.examples[index]
                step = self._steps[(example.scenario, example.step)]
                tokens = self.matcher.tokens(example.text[:MAX_ANSWER_CHARS])
                reading = self._read(
                    example.scenario, step, example.text, tokens, self._vectors[index], banks, text_model
                )
                rows.append(reading.features)
                labels.append(_class(example.grade))
        return _Weighing().fit(numpy.array(rows), numpy.array(labels))

    # Grading -----------------------------------------------------------------------------------

    def grade(self, scenario_id: str, step_id: str, text: str) -> GradeResult:
        """The grade of `text` at the step, with what explains it. Raises KeyError for an unknown step."""
        scenario = self.content.scenario(scenario_id)
        if step_id not in scenario.steps:
            raise KeyError(f"scenario {scenario_id!r} has no step {step_id!r}")
        step = scenario.steps[step_id]
        text = str(text)[:MAX_ANSWER_CHARS]
        tokens = self.matcher.tokens(text)
        vector = self.embedder.encode([text])[0]
        reading = self._read(scenario_id, step, text, tokens, vector, self.banks, self.text_model)
        if not reading.acts and not self._on_topic(tokens, (scenario_id, step_id)):
            reading.rubric.grade = None  # nothing the step is about: ask to rephrase
            return reading.rubric
        return self._decide(reading, self.banks[(scenario_id, step_id)], vector, tokens)

    def _read(self, scenario_id, step: Step, text: str, tokens, vector, banks, text_model) -> "_Reading":
        rubric = self.scorer.grade(scenario_id, step.id, text, tokens)
        acts = self.check.read(step, text, tokens)
        bank = banks[(scenario_id, step.id)]
        features = _features(
            step, rubric, acts.acts, acts.refused, bank, vector, text_model.probabilities(text, vector), text
        )
        return _Reading(rubric, [act.id for act in acts.acts], features)

    def _decide(self, reading: "_Reading", bank: Bank, vector, tokens: Sequence[Token]) -> GradeResult:
        result = reading.rubric
        result.acts = list(reading.acts)
        if reading.acts:
            result.grade, result.confidence = 0, 1.0
        if self.model is None:  # too few examples to weigh: the rubric alone, as before
            return result
        probabilities = self.model.probabilities(reading.features)
        result.probabilities = [round(float(p), 4) for p in probabilities]
        if reading.acts:
            # An act's words in an answer the graded examples read as clearly lawful ("I report
            # the beating, all of it"): ask which option was meant rather than call it a crime.
            if probabilities[2] + probabilities[3] >= LAWFUL_DESPITE_CUES:
                result.unsure = True
                result.closest = _closest_options(bank, vector, probabilities)
            return result
        best = int(numpy.argmax(probabilities))
        result.confidence = float(probabilities[best])
        result.closest = _closest_options(bank, vector, probabilities)
        if best == UNCLEAR:
            result.grade = None
            return result
        result.grade = best
        # The two mistakes that teach the wrong thing are never guessed: an answer that may be
        # unlawful graded as lawful, and a lawful one graded unlawful. An answer weighed unlawful
        # that names no act but condemns something ("not all the herders, this is wrong") may be
        # condemning the unlawful option.
        doubtful = bool(
            (best >= 2 and probabilities[0] >= UNLAWFUL_DOUBT)
            or (best == 0 and (probabilities[2] + probabilities[3] >= UNLAWFUL_DOUBT or self.matcher.condemns(tokens)))
        )
        result.unsure = bool(result.confidence < CONFIDENT or doubtful)
        return result


@dataclass
class _Reading:
    rubric: GradeResult
    acts: List[str]
    features: List[float]


# Words that say nothing of what an answer is about, for the on-topic test.
_NO_TOPIC = frozenset(
    """ok okay yes yeah yep no nope non oui ouais what who why how when where quoi qui pourquoi comment quand ou
    =not c ca cest sir chef mon ma just juste very tres trop vite maybe peut etre go get got do make faire fait
    va vais alle allez again encore won last night match game hello hi bonjour salut merci thanks lol mdr hein
    bon bien well really vraiment think pense know sais savoir sure sur""".split()
)


def _class(grade: Optional[int]) -> int:
    return UNCLEAR if grade is None else int(grade)


def _features(
    step: Step, rubric: GradeResult, acts, refused: int, bank: Bank, vector, text_probabilities, text: str
) -> List[float]:
    concepts = step.rubric.concepts
    total = sum(c.weight for c in concepts) or 1.0
    found = set(rubric.concepts)
    share = sum(c.weight for c in concepts if c.id in found) / total
    keys = [c for c in concepts if c.key]
    key_found = float(bool(keys) and all(c.id in found for c in keys))
    rubric_grade = [float(rubric.grade == g) for g in (None, *GRADES)]
    features = [share, key_found, float(len(found)), float(bool(rubric.red_flags)), float(bool(rubric.cautions))]
    # Acts named and all refused, apart from refusals beside an act that is done.
    features += rubric_grade + [float(bool(acts)), math.log1p(refused), float(bool(refused) and not acts)]
    features += _bank_features(bank.vectors, bank.grades, vector)
    features += _option_features(bank, vector)
    features += list(text_probabilities)
    features.append(math.log1p(len(text.split())))
    return features


def _bank_features(vectors, grades, vector) -> List[float]:
    """Per class: the nearest example's similarity, the mean of the three nearest, and the
    share of the neighbours' weight."""
    out: List[float] = []
    if len(vectors) == 0:
        return [0.0] * (3 * len(CLASSES))
    similarities = vectors @ vector
    for cls in CLASSES:
        mine = numpy.sort(similarities[grades == cls])[::-1]
        out.append(float(mine[0]) if len(mine) else 0.0)
        out.append(float(mine[:3].mean()) if len(mine) else 0.0)
    nearest = numpy.argsort(-similarities)[:NEIGHBOURS]
    weights = numpy.exp((similarities[nearest] - similarities[nearest].max()) / NEIGHBOUR_TEMPERATURE)
    weights /= weights.sum()
    out += [float(weights[grades[nearest] == cls].sum()) for cls in CLASSES]
    return out


def _option_features(bank: Bank, vector) -> List[float]:
    similarities = bank.option_vectors @ vector
    return [
        float(similarities[bank.option_grades == g].max()) if (bank.option_grades == g).any() else 0.0 for g in GRADES
    ]


def _closest_options(bank: Bank, vector, probabilities, limit: int = 3) -> List[str]:
    """The options an unsure answer most likely meant: likely grades first, then nearest in meaning."""
    best: Dict[str, float] = {}
    similarities = bank.option_vectors @ vector
    for option_id, grade, similarity in zip(bank.option_ids, bank.option_grades, similarities):
        if option_id:
            score = float(probabilities[grade]) + float(similarity)
            best[option_id] = max(best.get(option_id, -1.0), score)
    return [option_id for option_id, _ in sorted(best.items(), key=lambda item: -item[1])][:limit]


class _TextModel:
    """Grades from the answer alone, across steps: in spelling (character n-grams: soldiers' slang
    and typos for killing, lying or obeying look alike wherever they are typed) and in meaning
    (the sentence embedding: "on les descend" and "we waste them" land together)."""

    def fit(self, texts: Sequence[str], classes: Sequence[int], vectors: numpy.ndarray) -> "_TextModel":
        self.__dict__.pop("_analyzer", None)  # what _tfidf kept belongs to the old vectorizer
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)
        self.spelling: Optional[LogisticRegression] = None
        self.meaning: Optional[LogisticRegression] = None
        if texts and len(set(classes)) > 1:
            matrix = self.vectorizer.fit_transform([fold(t) for t in texts])
            self.spelling = LogisticRegression(C=4.0, max_iter=2000).fit(matrix, list(classes))
            self.meaning = LogisticRegression(C=2.0, max_iter=2000).fit(vectors, list(classes))
        return self

    def __getstate__(self) -> dict:  # what _tfidf keeps at hand is rebuilt after loading
        return {k: v for k, v in self.__dict__.items() if k not in ("_idf", "_analyzer")}

    def probabilities(self, text: str, vector) -> List[float]:
        if self.spelling is None or self.meaning is None:
            return [0.0] * (2 * len(CLASSES))
        columns, values = self._tfidf(fold(text))
        spelling = _predict(self.spelling, values, columns)
        meaning = _predict(self.meaning, vector)
        return _by_class(self.spelling, spelling) + _by_class(self.meaning, meaning)

    def _tfidf(self, text: str) -> Tuple[numpy.ndarray, numpy.ndarray]:
        """The vectorizer's row for one text, as (columns, values): what its transform gives
        (sublinear counts times idf, unit length) without building a sparse matrix."""
        if not hasattr(self, "_analyzer"):  # sklearn rebuilds both on every access
            self._idf = self.vectorizer.idf_
            self._analyzer = self.vectorizer.build_analyzer()  # last: a thread that sees it sees both
        vocabulary = self.vectorizer.vocabulary_
        counts: Dict[int, int] = {}
        for gram in self._analyzer(text):
            column = vocabulary.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = numpy.fromiter(counts, dtype=numpy.int64, count=len(counts))
        values = (numpy.log(numpy.fromiter(counts.values(), dtype=numpy.float64, count=len(counts))) + 1.0) * (
            self._idf[columns]
        )
        length = numpy.sqrt(values @ values)
        return columns, values / length if length > 0 else values


def _predict(classifier: LogisticRegression, row: numpy.ndarray, columns: Optional[numpy.ndarray] = None):
    """classifier.predict_proba for one row (only `columns` of it non-zero, if given), without
    sklearn's checks on every call, which took a third of the time of a grade. Fitted with
    lbfgs: softmax over the classes, or the logistic function for two."""
    if columns is None:
        scores = classifier.coef_ @ row + classifier.intercept_
    else:  # a sparse row: the values of `row` are those of `columns`
        scores = classifier.coef_[:, columns] @ row + classifier.intercept_
    if len(classifier.classes_) == 2:
        positive = 1.0 / (1.0 + numpy.exp(-scores[0]))
        return numpy.array([1.0 - positive, positive])
    exponentials = numpy.exp(scores - scores.max())
    return exponentials / exponentials.sum()


def _by_class(classifier, predicted) -> List[float]:
    by_class = dict(zip(classifier.classes_, predicted))
    return [float(by_class.get(cls, 0.0)) for cls in CLASSES]


@dataclass
class _Weighing:
    scaler: StandardScaler = field(default_factory=StandardScaler)
    classifier: Optional[LogisticRegression] = None

    def fit(self, rows: numpy.ndarray, labels: numpy.ndarray) -> "_Weighing":
        self.classifier = LogisticRegression(C=0.5, max_iter=5000).fit(self.scaler.fit_transform(rows), labels)
        return self

    def probabilities(self, features: Sequence[float]) -> numpy.ndarray:
        assert self.classifier is not None
        scaled = (numpy.asarray(features, dtype=numpy.float64) - self.scaler.mean_) / self.scaler.scale_
        predicted = _predict(self.classifier, scaled)
        out = numpy.zeros(len(CLASSES))
        for cls, p in zip(self.classifier.classes_, predicted):
            out[cls] = p
        return out
