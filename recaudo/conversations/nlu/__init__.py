"""Understanding a debtor's message: intent, confidence and slots, offline.

    understand("te pago el viernes 500", today=date(2026, 11, 22))
    -> Understanding(intent="promise_to_pay", confidence=0.9,
                     slots={"date": "2026-11-27", "amount": "500"}, language="es")

Opt-outs are decided by rule first (the one lexicon of `outreach.optouts`, in
`outreach/optout_lexicon.py`, shared with the webhook layer); every other
intent by the classifier (`model.py`); slots by rules (`dates.py`,
`amounts.py`). See docs/nlu.md.
"""

from recaudo.conversations.nlu.understand import (
    CONFIDENCE_THRESHOLD,
    INTENTS,
    Understanding,
    understand,
)

__all__ = ["CONFIDENCE_THRESHOLD", "INTENTS", "Understanding", "understand"]
