"""Regression floors on the method-details evaluation sets (moderation/eval/method_details_m1.csv, _m2.csv, _m3.csv),
written by three independent writers. Nothing was tuned on their rows (only aggregate figures were ever printed; see
bench/RESULTS.md for what was seen when). Floors sit a little below the figures measured with the shipped weights,
so a broken rule or a bad retrain fails. The held and look-alike figures also move with the self-harm heads."""
import csv

import pytest

from moderation.method_evaluation import evaluate
from tests.support import ROOT

EVAL = ROOT / "moderation" / "eval"

# Measured 2026-12-06 with the rules, the self-harm heads retrained on twenty-two own writers (the n-gram head mixed
# with the MLP) and the learned safe-messaging heads retrained beside them (weights/safe_messaging.npz, trained on
# moderation/data/safe_messaging/ plus ordinary posts of the own writers' files as negatives), bench/method_details.py:
# {figure: (op, floor)}, floors about 0.07 below; in brackets the 2026-12-04 weights. More crisis posts are held now,
# so fewer are masked and fewer look-alikes pass. m3 was written blind and first measured with the rules alone
# (masked 0.062, removed 0.500), before the heads existed.
FLOORS = {
    "method_details_m1.csv": {
        "held_recall": (">=", 0.89),  # measured 0.960 (0.800)
        "masked_recall": (">=", 0.55),  # measured 0.625 (0.719)
        "removed_recall": (">=", 0.6),  # measured 0.700 (the rules; a learned suspicion holds instead)
        "hidden_recall": (">=", 0.9),  # measured 1.000
        "wrongly_removed": ("<=", 0.02),  # measured 0.000
        "lookalikes_passed": (">=", 0.56),  # measured 0.633 (0.700)
        "detector_recall": (">=", 0.76),  # measured 0.836 (0.818)
        "detector_false": ("<=", 0.14),  # measured 0.093
    },
    "method_details_m2.csv": {
        "held_recall": (">=", 0.88),  # measured 0.957 (0.870)
        "masked_recall": (">=", 0.66),  # measured 0.733 (0.767)
        "removed_recall": (">=", 0.5),  # measured 0.600
        "hidden_recall": (">=", 0.7),  # measured 0.800
        "wrongly_removed": ("<=", 0.02),  # measured 0.000
        "lookalikes_passed": (">=", 0.53),  # measured 0.600 (0.667)
        "detector_recall": (">=", 0.73),  # measured 0.804
        "detector_false": ("<=", 0.2),  # measured 0.152 (0.136)
    },
    "method_details_m3.csv": {
        "held_recall": (">=", 0.93),  # measured 1.000 (0.939)
        "masked_recall": (">=", 0.55),  # measured 0.625 (0.688)
        "removed_recall": (">=", 0.25),  # measured 0.333 (0.250): 4 of 12
        "hidden_recall": (">=", 0.76),  # measured 0.833 (0.750)
        "wrongly_removed": ("<=", 0.02),  # measured 0.000
        "lookalikes_passed": (">=", 0.6),  # measured 0.677 (0.710)
        "detector_recall": (">=", 0.62),  # measured 0.692
        "detector_false": ("<=", 0.15),  # measured 0.107
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
