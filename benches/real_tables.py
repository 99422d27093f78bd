"""leakhound against scikit-learn on real tables, side by side in one run: for each table, a full
leakhound audit (the release binary, no plots) and scikit-learn's HistGradientBoosting fit plus
permutation_importance(n_repeats=5) on a 25% holdout of the same table, timed one after the other
on the same machine. Both are told the table's task from its manifest, as the corpus scorer tells
leakhound (`--task`); `--infer-task` leaves it to leakhound, which reads a target of a few
integer levels (a 0-10 score) as classes where scikit-learn is given a regression.
Prints one line per table (rows, columns, classes, both times, the ratio)
and the totals: leakhound's total against scikit-learn's, and the tables where leakhound is the
slower.

    python benches/real_tables.py target/release/leakhound [--corpus ../shared/corpus/wild] [--infer-task]

The tables: `tests/data/real/manifest.tsv` (49 public tables) and, when it exists, the shared
corpus's `cases.json` (68 tables). Needs pandas and scikit-learn (not used by leakhound itself).
"""

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.inspection import permutation_importance
from sklearn.model_selection import train_test_split

REPO = Path(__file__).resolve().parents[1]


def tables(corpus: Path):
    """(name, path, target, task) of every table."""
    manifest = REPO / "tests" / "data" / "real" / "manifest.tsv"
    with open(manifest, newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            yield row["file"], REPO / "tests" / "data" / "real" / row["file"], row["target"], row["task"]
    cases = corpus / "cases.json"
    if cases.exists():
        for c in json.loads(cases.read_text())["cases"]:
            yield c["name"], corpus / c["files"]["data"], c["target"], c["task"]


def sklearn_seconds(path: Path, target: str, task: str) -> float:
    """Fit + permutation importance (5 repeats) on a 25% holdout, as a data scientist would."""
    df = pd.read_csv(path)
    t = time.perf_counter()
    y = df[target]
    X = df.drop(columns=[target])
    for c in X.columns:
        if not pd.api.types.is_numeric_dtype(X[c]):
            X[c] = X[c].astype("category").cat.codes.replace(-1, np.nan)
    classify = task != "regression"
    if classify:
        y = y.astype(str)
    stratify = y if classify and y.value_counts().min() >= 2 else None
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0, stratify=stratify)
    model = (HistGradientBoostingClassifier if classify else HistGradientBoostingRegressor)(random_state=0)
    model.fit(X_tr, y_tr)
    permutation_importance(model, X_te, y_te, n_repeats=5, random_state=0)
    return time.perf_counter() - t


def leakhound_seconds(binary: str, path: Path, target: str, out: Path, task: str | None = None) -> float:
    args = [binary, "audit", str(path), "--target", target, "--out", str(out), "--no-plots", "-q"]
    if task is not None:
        args += ["--task", task]
    t = time.perf_counter()
    subprocess.run(
        args,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--corpus", default=str(REPO.parent / "shared" / "corpus" / "wild"))
    ap.add_argument("--infer-task", action="store_true", help="do not pass the task to leakhound")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, path, target, task in tables(Path(args.corpus)):
            shape = pd.read_csv(path, nrows=None).shape
            told = None if args.infer_task else task
            lh = leakhound_seconds(args.binary, path, target, Path(tmp) / "r", told)
            try:
                sk = sklearn_seconds(path, target, task)
            except Exception as e:  # a table scikit-learn cannot take as it is
                print(f"{name:<36} scikit-learn failed: {e}", file=sys.stderr)
                continue
            rows.append((name, shape, task, lh, sk))
            print(f"{name:<36} {shape[0]:>7} x {shape[1]:<4} {task:<10} leakhound {lh:7.2f} s  "
                  f"scikit-learn {sk:7.2f} s  {sk / lh:6.1f}x", flush=True)
    total_lh = sum(r[3] for r in rows)
    total_sk = sum(r[4] for r in rows)
    slower = [r[0] for r in rows if r[3] > r[4]]
    print(f"\n{len(rows)} tables: leakhound {total_lh:.1f} s, scikit-learn {total_sk:.1f} s, "
          f"{total_sk / total_lh:.2f}x; leakhound slower on {len(slower)}: {', '.join(slower)}")
    worst = max(rows, key=lambda r: r[3])
    print(f"slowest audit: {worst[0]} ({worst[1][0]} x {worst[1][1]}, {worst[2]}) {worst[3]:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
