"""The intent classifier: TF-IDF over characters and words, logistic regression (SGD).

Trained from `data/train.json` at first use and kept in memory (about a second
for three thousand examples; see docs/decisions/0006-nlu.md for why we do not
ship a pickled model). Character n-grams within word boundaries carry typos
and missing accents ("cuanto", "cuamto", "cuánto" share most of them); word
uni- and bigrams carry phrasing ("no soy", "ya pague").
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from recaudo.conversations.nlu.dataset import Example, training_examples
from recaudo.conversations.nlu.text import normalize

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

_DIGITS = re.compile(r"\d")
_lock = threading.Lock()
_model: IntentModel | None = None


def features_text(text: str) -> str:
    """What the classifier reads: normalized text with every digit as 0 ("el 15" ~ "el 30")."""
    return _DIGITS.sub("0", normalize(text))


def build_pipeline() -> Pipeline:
    # scikit-learn (about 110 MB) is imported when the model is first trained, not
    # with the app: the web and worker processes that never read a message (an
    # export, the dispatcher) stay small (docs/benchmarks.md, exports).
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import FeatureUnion, Pipeline

    return Pipeline(
        [
            (
                "features",
                FeatureUnion(
                    [
                        (
                            "chars",
                            TfidfVectorizer(
                                analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True
                            ),
                        ),
                        (
                            "words",
                            TfidfVectorizer(
                                analyzer="word",
                                ngram_range=(1, 2),
                                sublinear_tf=True,
                                token_pattern=r"(?u)\b\w+\b",
                            ),
                        ),
                    ]
                ),
            ),
            # Logistic regression fitted by SGD: the same model as
            # LogisticRegression(lbfgs) to within a point of accuracy here,
            # twenty times faster to train (0.4 s against 8 s), seeded.
            (
                "classifier",
                SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=100, tol=1e-4, random_state=0),
            ),
        ]
    )


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float


class IntentModel:
    def __init__(self, examples: list[Example]) -> None:
        self.pipeline = build_pipeline()
        self.pipeline.fit(
            [features_text(example.text) for example in examples],
            [example.intent for example in examples],
        )
        self.intents: list[str] = [str(intent) for intent in self.pipeline.classes_]

    def predict(self, text: str) -> Prediction:
        probabilities = self.pipeline.predict_proba([features_text(text)])[0]
        best = int(probabilities.argmax())
        return Prediction(self.intents[best], float(probabilities[best]))


def get_model() -> IntentModel:
    """The classifier trained on the repo's training set, built once per process."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = IntentModel(training_examples())
    return _model
