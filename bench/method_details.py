"""Safe-messaging figures on the method-details evaluation sets, through the shipped classifiers and the policy.

    python bench/method_details.py [moderation/eval/method_details_m1.csv ...]

Prints, per file, the share of crisis posts with method details held, of posts whose method details should be
masked that are masked, of encouragement and pacts removed, and of look-alikes published untouched, plus the
expected -> outcome counts. Aggregates only: the sets were written by independent writers and tune nothing.
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moderation.classifiers.embedded import load_embedded  # noqa: E402
from moderation.method_evaluation import evaluate, format_figures  # noqa: E402

DEFAULT = [ROOT / "moderation" / "eval" / f"method_details_m{i}.csv" for i in (1, 2)]


def main() -> None:
    files = [Path(a) for a in sys.argv[1:]] or DEFAULT
    toxicity, self_harm = load_embedded()
    for path in files:
        with open(path, encoding="utf-8") as fh:
            print(format_figures(path.name, evaluate(csv.DictReader(fh), toxicity, self_harm)))


if __name__ == "__main__":
    main()
