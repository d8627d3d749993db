"""`understand()`: the one entry point the dialog calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from recaudo.conversations.nlu.amounts import as_text, find_amount
from recaudo.conversations.nlu.dataset import INTENTS, LANGUAGES
from recaudo.conversations.nlu.dates import find_date
from recaudo.conversations.nlu.model import get_model
from recaudo.conversations.nlu.text import detect_language, normalize, simplify
from recaudo.outreach.optout_lexicon import opt_out_scope  # optouts' rules, no Django needed

# Below this the classifier's best guess is not trusted and the intent is
# "other": in 5-fold cross-validation on the training set, guesses under
# 0.4 were right only half the time (docs/nlu.md).
CONFIDENCE_THRESHOLD = 0.4
RULE_CONFIDENCE = 1.0


@dataclass(frozen=True)
class Understanding:
    intent: str
    confidence: float
    slots: dict[str, str] = field(default_factory=dict)
    language: str = "es"


def understand(text: str, today: date, language: str | None = None) -> Understanding:
    """What the debtor's message asks for, with a date and an amount when it names them.

    `today` is the debtor's local date (relative dates count from it);
    `language` ("es", "pt", "en") is guessed from the text when not given.
    Confidence is in [0, 1]: 1.0 for a rule (the opt-out lexicon of
    ``outreach.optouts``, which the webhook layer uses too), else the classifier's
    probability; below `CONFIDENCE_THRESHOLD` the intent is "other" and the
    low confidence is kept so the dialog can tell "not understood" apart.
    """
    normalized = normalize(text)
    if language not in LANGUAGES:
        language = detect_language(normalized)
    if not normalized.strip():
        return Understanding("other", 0.0, {}, language)

    if opt_out_scope(text) is not None:
        intent, confidence = "opt_out", RULE_CONFIDENCE
    else:
        prediction = get_model().predict(text)
        intent, confidence = prediction.intent, prediction.confidence
        if confidence < CONFIDENCE_THRESHOLD:
            intent = "other"

    simple = simplify(text)
    slots: dict[str, str] = {}
    day, taken = find_date(simple, today, language, past=intent == "already_paid")
    if day is not None:
        slots["date"] = day.isoformat()
    amount = find_amount(simple, taken)
    if amount is not None and amount > 0:
        slots["amount"] = as_text(amount)
    return Understanding(intent, round(confidence, 4), slots, language)


__all__ = ["INTENTS", "Understanding", "understand"]
