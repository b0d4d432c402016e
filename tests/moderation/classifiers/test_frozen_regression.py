"""Regression floors on the frozen evaluation sets (moderation/eval/frozen_w1.csv, frozen_w2.csv, frozen_w3.csv):
posts by three writers new to the project who never saw a model output. Nothing is trained, tuned or written as a rule from these
sets, and only aggregate and per-category figures are printed (never a text), so the figures stay honest. Floors sit
a little below the figures measured for the shipped weights and rules (bench/RESULTS.md, measured once, after
training), so a bad retrain or a broken rule fails."""
import csv

import pytest

from moderation.classifiers.evaluation import by_group, policy_figures, score_lines
from moderation.policy import Thresholds
from tests.support import ROOT

EVAL = ROOT / "moderation" / "eval"

# Measured 2026-12-06 with the weights retrained on all twenty-two own writers (w13-w16 moved up; version
# 2026-12-06+43fcdbfb0d2c.*: the self-harm n-gram head mixed with the MLP, calibrated on writer folds, the es/fr/de/pt
# damp chosen with the shifts) and this round's evasion undoing, after the training; see bench/RESULTS.md "Twenty-two
# writers and a self-harm n-gram head". In brackets the 2026-12-04 weights (eighteen writers) with their rules. Per
# frozen writer: {figure: (op, floor)} overall (floors 0.025 beyond the figure), then {(category or "lang:xx",
# figure): (op, floor)} (0.07 beyond: about one post of a category). The language groups have six posts each (two or
# three ordinary ones), so their floors sit at the measured figure (one post either way moves them by a sixth or more).
OVERALL = {
    "frozen_w1.csv": {
        "held_for_self_harm": (">=", 0.88),  # measured 0.908 (2026-12-04 weights: 0.908)
        "false_holds": ("<=", 0.18),  # measured 0.153 (2026-12-04 weights: 0.115)
        "intent_ranked_intent": (">=", 0.9),  # measured 0.929 (2026-12-04 weights: 0.893)
        "abuse_as_crisis": ("<=", 0.07),  # measured 0.041 (2026-12-04 weights: 0.041)
        "toxicity_auc": (">=", 0.96),  # measured 0.994 (2026-12-04 weights: 0.993)
        "someone_else_found": (">=", 0.68),  # measured 0.714 (2026-12-04 weights: 0.679)
        "self_harm_ece": ("<=", 0.13),  # measured 0.097 (2026-12-04 weights: 0.072)
        "toxicity_ece": ("<=", 0.05),  # measured 0.020 (2026-12-04 weights: 0.020)
    },
    "frozen_w2.csv": {
        "held_for_self_harm": (">=", 0.91),  # measured 0.940 (2026-12-04 weights: 0.892)
        "false_holds": ("<=", 0.21),  # measured 0.178 (2026-12-04 weights: 0.107)
        "intent_ranked_intent": (">=", 0.9),  # measured 0.931 (2026-12-04 weights: 0.931)
        "abuse_as_crisis": ("<=", 0.09),  # measured 0.060 (2026-12-04 weights: 0.060)
        "toxicity_auc": (">=", 0.97),  # measured 0.998 (2026-12-04 weights: 0.997)
        "someone_else_found": (">=", 0.8),  # measured 0.826 (2026-12-04 weights: 0.783)
        "self_harm_ece": ("<=", 0.14),  # measured 0.112 (2026-12-04 weights: 0.064)
        "toxicity_ece": ("<=", 0.05),  # measured 0.024 (2026-12-04 weights: 0.022)
    },
    # A sixth writer (men 35-70, stoic voice), measured once with the same weights after it arrived.
    "frozen_w3.csv": {
        "held_for_self_harm": (">=", 0.9),  # measured 0.928 (2026-12-04 weights: 0.739)
        "false_holds": ("<=", 0.27),  # measured 0.236 (2026-12-04 weights: 0.165)
        "intent_ranked_intent": (">=", 0.72),  # measured 0.747 (2026-12-04 weights: 0.701)
        "abuse_as_crisis": ("<=", 0.04),  # measured 0.015 (2026-12-04 weights: 0.015)
        "toxicity_auc": (">=", 0.96),  # measured 0.987 (2026-12-04 weights: 0.986)
        "someone_else_found": (">=", 0.47),  # measured 0.500 (2026-12-04 weights: 0.464)
        "self_harm_ece": ("<=", 0.12),  # measured 0.095 (2026-12-04 weights: 0.042)
        "toxicity_ece": ("<=", 0.05),  # measured 0.016 (2026-12-04 weights: 0.020)
    },
}
PER_GROUP = {
    "frozen_w1.csv": {
        ("algospeak", "held_for_self_harm"): (">=", 0.85),  # measured 0.929 (2026-12-04 weights: 0.857)
        ("supportive", "false_holds"): ("<=", 0.27),  # measured 0.200 (2026-12-04 weights: 0.100)
        ("safety_talk", "false_holds"): ("<=", 0.15),  # measured 0.071 (2026-12-04 weights: 0.071)
        ("banter", "false_holds"): ("<=", 0.13),  # measured 0.056 (2026-12-04 weights: 0.000)
        ("evasion", "held_for_self_harm"): (">=", 0.93),  # measured 1.000 (2026-12-04 weights: 1.000)
        ("evasion", "abuse_held"): (">=", 0.8),  # measured 0.875 (2026-12-04 weights: 1.000)
        ("non_english", "toxicity_auc"): (">=", 0.93),  # measured 1.000 (2026-12-04 weights: 1.000)
        ("non_english", "false_holds"): ("<=", 0.32),  # measured 0.250 (2026-12-04 weights: 0.125)
        ("non_english", "held_for_self_harm"): (">=", 0.78),  # measured 0.857 (2026-12-04 weights: 0.857)
        ("lang:es", "held_for_self_harm"): (">=", 1.0),  # measured 1.000 (2026-12-04 weights: 1.000)
        ("lang:fr", "held_for_self_harm"): (">=", 1.0),  # measured 1.000 (2026-12-04 weights: 1.000)
        ("lang:pt", "held_for_self_harm"): (">=", 1.0),  # measured 1.000 (2026-12-04 weights: 1.000)
        ("lang:es", "false_holds"): ("<=", 0.0),  # measured 0.000 (2026-12-04 weights: 0.000)
        ("lang:fr", "false_holds"): ("<=", 1.0),  # measured 1.000 (2026-12-04 weights: 0.500)
        ("lang:de", "false_holds"): ("<=", 0.0),  # measured 0.000 (2026-12-04 weights: 0.000)
        ("lang:pt", "false_holds"): ("<=", 0.0),  # measured 0.000 (2026-12-04 weights: 0.000)
    },
    "frozen_w2.csv": {
        ("algospeak", "held_for_self_harm"): (">=", 0.78),  # measured 0.857 (2026-12-04 weights: 0.929)
        ("supportive", "false_holds"): ("<=", 0.15),  # measured 0.071 (2026-12-04 weights: 0.000)
        ("safety_talk", "false_holds"): ("<=", 0.07),  # measured 0.000 (2026-12-04 weights: 0.000)
        ("banter", "false_holds"): ("<=", 0.13),  # measured 0.056 (2026-12-04 weights: 0.111)
        ("non_english", "held_for_self_harm"): (">=", 0.8),  # measured 0.875 (2026-12-04 weights: 0.875)
        ("non_english", "false_holds"): ("<=", 0.2),  # measured 0.125 (2026-12-04 weights: 0.000)
        ("non_english", "toxicity_auc"): (">=", 0.93),  # measured 1.000 (2026-12-04 weights: 1.000)
        ("lang:es", "held_for_self_harm"): (">=", 1.0),  # measured 1.000 (2026-12-04 weights: 1.000)
        ("lang:fr", "held_for_self_harm"): (">=", 1.0),  # measured 1.000 (2026-12-04 weights: 1.000)
        ("lang:de", "held_for_self_harm"): (">=", 0.5),  # measured 0.500 (2026-12-04 weights: 0.500)
        ("lang:pt", "held_for_self_harm"): (">=", 1.0),  # measured 1.000 (2026-12-04 weights: 1.000)
        ("lang:es", "false_holds"): ("<=", 0.0),  # measured 0.000 (2026-12-04 weights: 0.000)
        ("lang:fr", "false_holds"): ("<=", 0.5),  # measured 0.500 (2026-12-04 weights: 0.000)
        ("lang:pt", "false_holds"): ("<=", 0.0),  # measured 0.000 (2026-12-04 weights: 0.000)
    },
    "frozen_w3.csv": {
        ("algospeak", "held_for_self_harm"): (">=", 0.93),  # measured 1.000 (2026-12-04 weights: 0.833)
        ("supportive", "false_holds"): ("<=", 0.07),  # measured 0.000 (2026-12-04 weights: 0.077)
        ("banter", "false_holds"): ("<=", 0.14),  # measured 0.065 (2026-12-04 weights: 0.032)
        ("other_language", "toxicity_auc"): (">=", 0.93),  # measured 1.000 (2026-12-04 weights: 1.000)
        ("other_language", "false_holds"): ("<=", 0.17),  # measured 0.091 (2026-12-04 weights: 0.000)
        ("other_language", "held_for_self_harm"): (">=", 0.74),  # measured 0.810 (2026-12-04 weights: 0.238)
    },
}


def _ok(value, op, floor):
    return value is not None and (value >= floor if op == ">=" else value <= floor)


@pytest.mark.parametrize("name", sorted(OVERALL))
def test_frozen_floors(models, name):
    path = EVAL / name
    if not path.exists():
        pytest.skip(f"frozen evaluation set {name} not present")
    toxicity, self_harm, _ = models
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    lines = score_lines([r["text"] for r in rows], toxicity, self_harm, Thresholds(), with_labels=True)
    overall = policy_figures(rows, lines)
    groups = dict(by_group(rows, lines, "category"))
    groups.update({f"lang:{k}": v for k, v in by_group(rows, lines, "lang").items()})
    print(name, {k: round(v, 3) for k, v in overall.items() if isinstance(v, float)})  # aggregates only, never texts
    assert overall["self_harm_removed"] == 0
    failed = [(k, overall[k], op, f) for k, (op, f) in OVERALL[name].items() if not _ok(overall[k], op, f)]
    failed += [(g, k, groups.get(g, {}).get(k), op, f) for (g, k), (op, f) in PER_GROUP[name].items()
               if not _ok(groups.get(g, {}).get(k), op, f)]
    assert not failed, failed
