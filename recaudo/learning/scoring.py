"""The propensity-to-pay model: fit, score, band and explain, over numpy arrays.

Logistic regression on standardised features (scikit-learn), then an
isotonic calibration fitted on a separate part of the data (docs/insights.md:
why this model). Its parameters are plain lists of numbers (``Fitted``), so a
version is stored as JSON, scored with two numpy operations (a million
debtors in well under a second) and explained exactly: a debtor's log-odds
are the sum of one contribution per feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# Probability of paying within 30 days -> band (docs/insights.md). High risk: below 0.25.
LOW_RISK_FROM = 0.55
MEDIUM_RISK_FROM = 0.25
# No trained model, or a debtor with no history: the documented prior by days past due
# (upper bound of days, probability). Typical early-collections cure rates.
PRIOR = ((0, 0.60), (30, 0.45), (90, 0.25), (180, 0.12), (None, 0.05))
# Fewer examples, or fewer payers or non-payers, than this: no model, the prior.
MIN_ROWS = 200
MIN_CLASS = 20


@dataclass(frozen=True)
class Fitted:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    intercept: float
    # Isotonic calibration: raw log-odds thresholds -> calibrated probability.
    calibration_x: np.ndarray
    calibration_y: np.ndarray

    def to_json(self) -> dict[str, Any]:
        return {
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "weights": self.weights.tolist(),
            "intercept": self.intercept,
            "calibration_x": self.calibration_x.tolist(),
            "calibration_y": self.calibration_y.tolist(),
        }

    @classmethod
    def from_json(cls, features: list[str], data: dict[str, Any]) -> Fitted:
        return cls(
            tuple(features),
            np.asarray(data["mean"], dtype=np.float64),
            np.asarray(data["scale"], dtype=np.float64),
            np.asarray(data["weights"], dtype=np.float64),
            float(data["intercept"]),
            np.asarray(data["calibration_x"], dtype=np.float64),
            np.asarray(data["calibration_y"], dtype=np.float64),
        )

    def log_odds(self, matrix: np.ndarray) -> np.ndarray:
        return ((matrix - self.mean) / self.scale) @ self.weights + self.intercept

    def probability(self, matrix: np.ndarray) -> np.ndarray:
        return np.interp(self.log_odds(matrix), self.calibration_x, self.calibration_y)

    def contributions(self, matrix: np.ndarray) -> np.ndarray:
        """Each feature's share of each row's log-odds, against the average debtor."""
        return ((matrix - self.mean) / self.scale) * self.weights


@dataclass(frozen=True)
class Evaluation:
    auc: float | None
    brier: float | None
    rows: int
    positives: int


def enough(labels: np.ndarray) -> bool:
    positives = int(labels.sum())
    return len(labels) >= MIN_ROWS and MIN_CLASS <= positives <= len(labels) - MIN_CLASS


def fit(matrix: np.ndarray, labels: np.ndarray, features: tuple[str, ...], seed: int = 0) -> Fitted:
    """Fit on two thirds of the rows and calibrate on the other third (a seeded split)."""
    order = np.random.default_rng(seed).permutation(len(labels))
    cut = (2 * len(order)) // 3
    train, calibrate = order[:cut], order[cut:]
    mean = matrix[train].mean(axis=0)
    scale = matrix[train].std(axis=0)
    scale[scale < 1e-9] = 1.0
    # scikit-learn is imported when a model is trained or evaluated, not with the
    # app (pages that only read the stored score stay small; docs/benchmarks.md).
    from sklearn.isotonic import IsotonicRegression
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit((matrix[train] - mean) / scale, labels[train])
    weights = model.coef_[0].astype(np.float64)
    intercept = float(model.intercept_[0])
    raw = ((matrix[calibrate] - mean) / scale) @ weights + intercept
    isotonic = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
    isotonic.fit(raw, labels[calibrate])
    return Fitted(
        features,
        mean,
        scale,
        weights,
        intercept,
        np.asarray(isotonic.X_thresholds_, dtype=np.float64),
        np.asarray(isotonic.y_thresholds_, dtype=np.float64),
    )


def evaluate(fitted: Fitted, matrix: np.ndarray, labels: np.ndarray) -> Evaluation:
    from sklearn.metrics import brier_score_loss, roc_auc_score

    positives = int(labels.sum())
    if len(labels) == 0 or positives in (0, len(labels)):
        return Evaluation(None, None, len(labels), positives)
    predicted = fitted.probability(matrix)
    return Evaluation(
        float(roc_auc_score(labels, predicted)),
        float(brier_score_loss(labels, predicted)),
        len(labels),
        positives,
    )


def prior(days_past_due: np.ndarray) -> np.ndarray:
    """The cold-start probability of each debtor (``PRIOR``)."""
    result = np.full(len(days_past_due), PRIOR[-1][1], dtype=np.float64)
    assigned = np.zeros(len(days_past_due), dtype=bool)
    for upper, probability in PRIOR:
        if upper is None:
            break
        here = (~assigned) & (days_past_due <= upper)
        result[here] = probability
        assigned |= here
    return result


def bands(probability: np.ndarray) -> np.ndarray:
    """ "bajo" / "medio" / "alto" risk for each probability of paying."""
    return np.where(
        probability >= LOW_RISK_FROM,
        "bajo",
        np.where(probability >= MEDIUM_RISK_FROM, "medio", "alto"),
    )


def top_factors(
    fitted: Fitted, matrix: np.ndarray, count: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``count`` largest contributions: (feature columns, log-odds), strongest first."""
    shares = fitted.contributions(matrix)
    count = min(count, shares.shape[1])
    strongest = np.argpartition(-np.abs(shares), count - 1, axis=1)[:, :count]
    picked = np.take_along_axis(shares, strongest, axis=1)
    order = np.argsort(-np.abs(picked), axis=1)
    return np.take_along_axis(strongest, order, axis=1), np.take_along_axis(picked, order, axis=1)


def factor_list(fitted: Fitted, columns: np.ndarray, shares: np.ndarray) -> list[tuple[str, float]]:
    """One row's factors as (feature name, log-odds share), for storing and explaining."""
    return [
        (fitted.features[int(column)], round(float(share), 3))
        for column, share in zip(columns, shares, strict=True)
    ]
