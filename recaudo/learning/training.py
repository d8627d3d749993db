"""The learning job: train a creditor's model, score its debtors, set their risk bands.

Run by the worker on a schedule (``LEARNING_REFRESH_HOURS``) and by
``recaudo learn``. Each step reads in bulk (features.py) and writes in bulk;
the scores, the bands on the debtors and the best hours are replaced in one
transaction per creditor.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from recaudo.learning import scoring
from recaudo.learning.besttime import refresh_best_hours
from recaudo.learning.features import FEATURES, Raw, load_raw, matrix, paid_within
from recaudo.learning.models import DebtorScore, LearningRun, ScoreModel
from recaudo.portfolio.models import Creditor, Debtor

HORIZON_DAYS = 30
# Snapshots taken this many horizons back make the training examples.
SNAPSHOTS = 2
HOLDOUT_SHARE = 0.2


@dataclass
class LearnResult:
    creditor_id: int
    model: ScoreModel | None = None
    scored: int = 0
    cold_start: int = 0
    bands: dict[str, int] = field(default_factory=dict)
    best_hours: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        model = (
            f"model v{self.model.version} (n={self.model.rows}, auc={self.model.auc_holdout})"
            if self.model
            else "no model (prior)"
        )
        bands = ", ".join(f"{band}: {count}" for band, count in sorted(self.bands.items()))
        return (
            f"creditor {self.creditor_id}: {model}; scored {self.scored} "
            f"({self.cold_start} by the prior; {bands}); best hours {self.best_hours}; "
            f"{self.seconds:.1f} s"
        )


def _holdout(debtor_ids: np.ndarray) -> np.ndarray:
    """A stable fifth of the debtors, kept out of training to measure the model."""
    return (debtor_ids * 2654435761 % 1000) < HOLDOUT_SHARE * 1000


def train(creditor: Creditor, today: date, now: datetime) -> ScoreModel | None:
    """A new model version from the creditor's history, or None when it has too little."""
    blocks, labels, ids = [], [], []
    for back in range(1, SNAPSHOTS + 1):
        as_of = today - timedelta(days=HORIZON_DAYS * back)
        raw = load_raw(creditor.pk, as_of)
        if not len(raw):
            continue
        blocks.append(matrix(raw))
        labels.append(paid_within(creditor.pk, raw.debtor_ids, as_of, HORIZON_DAYS))
        ids.append(raw.debtor_ids)
    if not blocks:
        return None
    x, y, debtor_ids = np.vstack(blocks), np.concatenate(labels), np.concatenate(ids)
    held = _holdout(debtor_ids)
    if not scoring.enough(y[~held]):
        return None
    fitted = scoring.fit(x[~held], y[~held], FEATURES)
    measured = scoring.evaluate(fitted, x[held], y[held])
    with transaction.atomic():
        last = ScoreModel.objects.filter(creditor=creditor).aggregate(top=Max("version"))["top"]
        ScoreModel.objects.filter(creditor=creditor, active=True).update(active=False)
        return ScoreModel.objects.create(
            creditor=creditor,
            version=(last or 0) + 1,
            trained_at=now,
            as_of=today,
            rows=int((~held).sum()),
            positives=int(y[~held].sum()),
            auc_holdout=None if measured.auc is None else round(measured.auc, 4),
            brier_holdout=None if measured.brier is None else round(measured.brier, 4),
            features=list(FEATURES),
            parameters=fitted.to_json(),
        )


def score_raw(raw: Raw, model: ScoreModel | None) -> tuple[np.ndarray, np.ndarray, list]:
    """(probabilities, cold-start flags, top factors) for each debtor of ``raw``."""
    cold = ~raw.has_history() if model is not None else np.ones(len(raw), dtype=bool)
    probability = scoring.prior(raw.days_past_due)
    factors: list = [[] for _ in range(len(raw))]
    if model is not None and (~cold).any():
        fitted = scoring.Fitted.from_json(model.features, model.parameters)
        warm = np.flatnonzero(~cold)
        features = matrix(raw)[warm]
        probability[warm] = fitted.probability(features)
        columns, shares = scoring.top_factors(fitted, features)
        for row, position in enumerate(warm):
            factors[position] = scoring.factor_list(fitted, columns[row], shares[row])
    return probability, cold, factors


def score(creditor: Creditor, today: date, now: datetime, model: ScoreModel | None) -> LearnResult:
    """Score every debtor of the creditor who owes today; replace their scores and bands."""
    result = LearnResult(creditor.pk, model)
    raw = load_raw(creditor.pk, today + timedelta(days=1))
    probability, cold, factors = score_raw(raw, model)
    bands = scoring.bands(probability)
    rows = [
        DebtorScore(
            debtor_id=int(debtor_id),
            creditor_id=creditor.pk,
            model=None if cold[at] else model,
            probability=round(float(probability[at]), 4),
            band=str(bands[at]),
            cold_start=bool(cold[at]),
            factors=[[name, _value(raw, name, at), share] for name, share in factors[at]],
            scored_at=now,
        )
        for at, debtor_id in enumerate(raw.debtor_ids)
    ]
    with transaction.atomic():
        DebtorScore.objects.filter(creditor=creditor).delete()
        DebtorScore.objects.bulk_create(rows, batch_size=2000)
        Debtor.objects.filter(creditor=creditor).exclude(risk_band="").update(risk_band="")
        for band in ("bajo", "medio", "alto"):
            ids = [int(i) for i in raw.debtor_ids[bands == band]]
            result.bands[band] = len(ids)
            for start in range(0, len(ids), 2000):
                Debtor.objects.filter(id__in=ids[start : start + 2000]).update(risk_band=band)
    result.scored, result.cold_start = len(rows), int(cold.sum())
    return result


def _value(raw: Raw, name: str, at: int) -> float:
    """The debtor's own figure behind a factor (for the words on the debtor 360)."""
    if name == "read_rate":
        sent = float(raw.sent[at])
        return round(float(raw.reads[at]) / sent, 2) if sent else 0.0
    if name == "never_contacted":
        return float(raw.sent[at] == 0)
    if name.startswith("country_"):
        return 1.0 if raw.country[at] == name.removeprefix("country_") else 0.0
    return round(float(getattr(raw, name)[at]), 2)


def learn(creditor: Creditor, now: datetime | None = None, *, retrain: bool = True) -> LearnResult:
    """Train (when ``retrain``), score, band, and refresh best hours for one creditor."""
    started = time.perf_counter()
    now = now or timezone.now()
    today = now.date()
    model = train(creditor, today, now) if retrain else None
    if model is None:
        model = ScoreModel.objects.filter(creditor=creditor, active=True).first()
    result = score(creditor, today, now, model)
    result.best_hours = refresh_best_hours(creditor.pk, now)
    result.seconds = time.perf_counter() - started
    return result


def due_for_refresh(now: datetime) -> list[Creditor]:
    """Creditors whose last learning run is older than ``LEARNING_REFRESH_HOURS``."""
    hours = settings.LEARNING_REFRESH_HOURS
    if hours <= 0:
        return []
    recent = LearningRun.objects.filter(finished_at__gte=now - timedelta(hours=hours))
    return list(Creditor.objects.exclude(pk__in=recent.values("creditor_id")).order_by("pk"))


def refresh_due(now: datetime) -> list[LearnResult]:
    """The worker's scheduled job: learn for every creditor that is due, each recorded."""
    results = []
    for creditor in due_for_refresh(now):
        result = learn(creditor, now)
        LearningRun.objects.create(creditor=creditor, finished_at=now, summary=result.line()[:500])
        results.append(result)
    return results
