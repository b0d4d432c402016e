"""Regression floors on the method-details evaluation sets (moderation/eval/method_details_m1.csv, _m2.csv, _m3.csv),
written by three independent writers. Nothing was tuned on their rows (only aggregate figures were ever printed; see
bench/RESULTS.md for what was seen when). Floors sit a little below the figures measured with the shipped weights,
so a broken rule or a bad retrain fails. The held and look-alike figures also move with the self-harm heads."""
import csv

import pytest

from moderation.method_evaluation import evaluate
from tests.support import ROOT

EVAL = ROOT / "moderation" / "eval"

# Measured 2026-12-04 with the rules, the self-harm heads retrained on eighteen own writers and the learned
# safe-messaging heads retrained beside them (weights/safe_messaging.npz, trained on moderation/data/safe_messaging/
# plus ordinary posts of the own writers' files as negatives), bench/method_details.py: {figure: (op, floor)}; in
# brackets where it moved, the 2026-12-03 weights. m3 was written blind and first measured with the rules alone
# (masked 0.062, removed 0.500), before the heads existed.
FLOORS = {
    "method_details_m1.csv": {
        "held_recall": (">=", 0.72),  # measured 0.800
        "masked_recall": (">=", 0.65),  # measured 0.719 (0.688)
        "removed_recall": (">=", 0.6),  # measured 0.700 (the rules; a learned suspicion holds instead)
        "hidden_recall": (">=", 0.9),  # measured 1.000 (rules alone 0.800)
        "wrongly_removed": ("<=", 0.02),  # measured 0.000
        "lookalikes_passed": (">=", 0.63),  # measured 0.700
        "detector_recall": (">=", 0.75),  # measured 0.818 (0.782)
        "detector_false": ("<=", 0.14),  # measured 0.093 (0.080)
    },
    "method_details_m2.csv": {
        "held_recall": (">=", 0.8),  # measured 0.870 (0.826)
        "masked_recall": (">=", 0.7),  # measured 0.767 (0.700)
        "removed_recall": (">=", 0.5),  # measured 0.600
        "hidden_recall": (">=", 0.7),  # measured 0.800
        "wrongly_removed": ("<=", 0.02),  # measured 0.000
        "lookalikes_passed": (">=", 0.6),  # measured 0.667
        "detector_recall": (">=", 0.73),  # measured 0.804 (0.750)
        "detector_false": ("<=", 0.18),  # measured 0.136 (0.121)
    },
    "method_details_m3.csv": {
        "held_recall": (">=", 0.87),  # measured 0.939
        "masked_recall": (">=", 0.62),  # measured 0.688 (0.656)
        "removed_recall": (">=", 0.25),  # measured 0.250 (0.333; 0.500 earlier): 3 of 12
        "hidden_recall": (">=", 0.7),  # measured 0.750
        "wrongly_removed": ("<=", 0.02),  # measured 0.000
        "lookalikes_passed": (">=", 0.64),  # measured 0.710 (0.742)
        "detector_recall": (">=", 0.62),  # measured 0.692
        "detector_false": ("<=", 0.15),  # measured 0.107 (0.093)
    },
}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_method_details_floors(models, name):
    path = EVAL / name
    if not path.exists():
        pytest.skip(f"evaluation set {name} not present")
    toxicity, self_harm, _ = models
    with open(path, encoding="utf-8") as fh:
        figures = evaluate(csv.DictReader(fh), toxicity, self_harm)
    print(name, {k: v for k, v in figures.items() if isinstance(v, float)})  # aggregates only, never texts
    failed = [(k, figures[k], op, f) for k, (op, f) in FLOORS[name].items()
              if figures[k] is None or not (figures[k] >= f if op == ">=" else figures[k] <= f)]
    assert not failed, failed
