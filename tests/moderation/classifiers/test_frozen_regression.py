"""Regression floors on the frozen evaluation set (moderation/eval/frozen_w1.csv): posts by a writer new to the
project who never saw a model output. Nothing is trained, tuned or written as a rule from this set, and only
aggregate and per-category figures are printed (never a text), so the figures stay honest. Floors sit a little below
the figures measured for the shipped weights and rules (bench/RESULTS.md), so a bad retrain or a broken rule fails."""
import csv

import pytest

from moderation.classifiers.evaluation import by_group, policy_figures, score_lines
from moderation.policy import Thresholds
from tests.support import ROOT

FROZEN = ROOT / "moderation" / "eval" / "frozen_w1.csv"

OVERALL = {  # measured 2026-12-01 (weights 2026-11-23, rules, sentence scoring): see bench/RESULTS.md
    "held_for_self_harm": (">=", 0.72),  # measured 0.737
    "false_holds": ("<=", 0.19),  # measured 0.137
    "intent_ranked_intent": (">=", 0.78),  # measured 0.821
    "abuse_as_crisis": ("<=", 0.10),  # measured 0.041
    "toxicity_auc": (">=", 0.92),  # measured 0.946
    "someone_else_found": (">=", 0.30),  # measured 0.357
    "self_harm_ece": ("<=", 0.08),  # measured 0.050
    "toxicity_ece": ("<=", 0.09),  # measured 0.063
}
PER_CATEGORY = {  # measured before sentence scoring was limited to posts of 160+ characters (all still pass)
    ("algospeak", "held_for_self_harm"): (">=", 0.65),  # measured 0.714
    ("supportive", "false_holds"): ("<=", 0.15),  # measured 0.100
    ("safety_talk", "false_holds"): ("<=", 0.12),  # measured 0.071
    ("banter", "false_holds"): ("<=", 0.50),  # measured 0.444: still the weakest category
    ("evasion", "held_for_self_harm"): (">=", 0.95),  # measured 1.000
    ("evasion", "abuse_held"): (">=", 0.95),  # measured 1.000
    ("non_english", "toxicity_auc"): (">=", 0.80),  # measured 0.850 (es, fr, de, pt)
    ("non_english", "false_holds"): ("<=", 0.05),  # measured 0.000
}


def _ok(value, op, floor):
    return value is not None and (value >= floor if op == ">=" else value <= floor)


@pytest.mark.skipif(not FROZEN.exists(), reason="frozen evaluation set not present")
def test_frozen_floors(models):
    toxicity, self_harm, _ = models
    rows = list(csv.DictReader(open(FROZEN, encoding="utf-8")))
    lines = score_lines([r["text"] for r in rows], toxicity, self_harm, Thresholds(), with_labels=True)
    overall = policy_figures(rows, lines)
    cats = by_group(rows, lines, "category")
    print({k: round(v, 3) for k, v in overall.items() if isinstance(v, float)})  # aggregates only, never texts
    assert overall["self_harm_removed"] == 0
    failed = [(k, overall[k], op, f) for k, (op, f) in OVERALL.items() if not _ok(overall[k], op, f)]
    failed += [(c, k, cats[c][k], op, f) for (c, k), (op, f) in PER_CATEGORY.items() if not _ok(cats[c][k], op, f)]
    assert not failed, failed
