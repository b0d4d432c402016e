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

# Measured 2026-12-03 with the weights retrained on all fourteen own writers (version 2026-12-03+234b8444a1b7.*,
# calibrated on writer folds) and this round's rules, once, after the training; see bench/RESULTS.md "Fourteen
# writers shipped". In brackets where it moved, the 2026-12-01 weights (ten writers). Per frozen writer: {figure: (op,
# floor)} overall, then {(category or "lang:xx", figure): (op, floor)}. The language groups have six posts each (two
# or three ordinary ones), so their floors sit at the measured figure (one post either way moves them by a sixth or
# more).
OVERALL = {
    "frozen_w1.csv": {
        "held_for_self_harm": (">=", 0.84),  # measured 0.868 (0.816)
        "false_holds": ("<=", 0.13),  # measured 0.104 (0.142)
        "intent_ranked_intent": (">=", 0.78),  # measured 0.821
        "abuse_as_crisis": ("<=", 0.03),  # measured 0.000 (0.041)
        "toxicity_auc": (">=", 0.97),  # measured 0.991 (0.969)
        "someone_else_found": (">=", 0.56),  # measured 0.607 (0.464)
        "self_harm_ece": ("<=", 0.08),  # measured 0.051 (0.069)
        "toxicity_ece": ("<=", 0.05),  # measured 0.030 (0.048)
    },
    "frozen_w2.csv": {
        "held_for_self_harm": (">=", 0.76),  # measured 0.795 (0.783)
        "false_holds": ("<=", 0.13),  # measured 0.112 (0.124)
        "intent_ranked_intent": (">=", 0.79),  # measured 0.828 (0.793)
        "abuse_as_crisis": ("<=", 0.09),  # measured 0.060
        "toxicity_auc": (">=", 0.98),  # measured 0.994 (0.977)
        "someone_else_found": (">=", 0.65),  # measured 0.696 (0.522)
        "self_harm_ece": ("<=", 0.07),  # measured 0.050 (0.059)
        "toxicity_ece": ("<=", 0.045),  # measured 0.026 (0.025)
    },
    # A sixth writer (men 35-70, stoic voice), measured once with the same weights after it arrived.
    "frozen_w3.csv": {
        "held_for_self_harm": (">=", 0.67),  # measured 0.694 (0.689)
        "false_holds": ("<=", 0.17),  # measured 0.143 (0.192)
        "intent_ranked_intent": (">=", 0.63),  # measured 0.667 (0.644)
        "abuse_as_crisis": ("<=", 0.06),  # measured 0.030
        "toxicity_auc": (">=", 0.96),  # measured 0.982 (0.943)
        "someone_else_found": (">=", 0.37),  # measured 0.411 (0.232)
        "self_harm_ece": ("<=", 0.06),  # measured 0.032 (0.057)
        "toxicity_ece": ("<=", 0.04),  # measured 0.018 (0.043)
    },
}
PER_GROUP = {
    "frozen_w1.csv": {
        ("algospeak", "held_for_self_harm"): (">=", 0.75),  # measured 0.786 (0.857: one post fewer held)
        ("supportive", "false_holds"): ("<=", 0.15),  # measured 0.100
        ("safety_talk", "false_holds"): ("<=", 0.12),  # measured 0.071
        ("banter", "false_holds"): ("<=", 0.10),  # measured 0.056 (0.333)
        ("evasion", "held_for_self_harm"): (">=", 0.95),  # measured 1.000
        ("evasion", "abuse_held"): (">=", 0.95),  # measured 1.000
        ("non_english", "toxicity_auc"): (">=", 0.95),  # measured 1.000 (es, fr, de, pt)
        ("non_english", "false_holds"): ("<=", 0.13),  # measured 0.125 (0.000: one French post)
        ("non_english", "held_for_self_harm"): (">=", 0.70),  # measured 0.714 (0.571)
        ("lang:es", "held_for_self_harm"): (">=", 0.5),  # measured 0.500
        ("lang:fr", "held_for_self_harm"): (">=", 1.0),  # measured 1.000 (0.500)
        ("lang:pt", "held_for_self_harm"): (">=", 1.0),  # measured 1.000
        ("lang:es", "false_holds"): ("<=", 0.0),
        ("lang:fr", "false_holds"): ("<=", 0.5),  # measured 0.500 (0.000): one of its two ordinary posts
        ("lang:de", "false_holds"): ("<=", 0.0),
        ("lang:pt", "false_holds"): ("<=", 0.0),
    },
    "frozen_w2.csv": {
        ("algospeak", "held_for_self_harm"): (">=", 0.70),  # measured 0.714 (0.786: one post fewer held)
        ("supportive", "false_holds"): ("<=", 0.05),  # measured 0.000 (0.071)
        ("safety_talk", "false_holds"): ("<=", 0.05),  # measured 0.000
        ("banter", "false_holds"): ("<=", 0.10),  # measured 0.056 (0.222)
        ("non_english", "held_for_self_harm"): (">=", 0.72),  # measured 0.750 (0.625)
        ("non_english", "false_holds"): ("<=", 0.15),  # measured 0.125
        ("non_english", "toxicity_auc"): (">=", 0.95),  # measured 0.975 (0.938)
        ("lang:es", "held_for_self_harm"): (">=", 1.0),  # measured 1.000 (0.500)
        ("lang:fr", "held_for_self_harm"): (">=", 0.5),  # measured 0.500
        ("lang:de", "held_for_self_harm"): (">=", 0.5),  # measured 0.500
        ("lang:pt", "held_for_self_harm"): (">=", 1.0),  # measured 1.000
        ("lang:es", "false_holds"): ("<=", 0.0),
        ("lang:fr", "false_holds"): ("<=", 0.0),
        ("lang:pt", "false_holds"): ("<=", 0.0),
    },
    "frozen_w3.csv": {
        ("algospeak", "held_for_self_harm"): (">=", 0.66),  # measured 0.694 (0.750)
        ("supportive", "false_holds"): ("<=", 0.12),  # measured 0.077
        ("banter", "false_holds"): ("<=", 0.10),  # measured 0.065 (0.097)
        ("other_language", "toxicity_auc"): (">=", 0.95),  # measured 0.977 (0.927)
        ("other_language", "false_holds"): ("<=", 0.12),  # measured 0.091
        ("other_language", "held_for_self_harm"): (">=", 0.30),  # measured 0.333 (0.238)
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
