"""Auditing a 100k x 50 pandas frame from Python against the CLI on the same data, side by side
in one run (median of 3 each, alternating). Both run the same Rust engine: the CLI parses the
CSV and writes the report folder; Python converts the frame to Arrow, audits, and saves the
same folder. Plots are off on both sides (they cost the same and are not what differs).

    python benches/python_overhead.py            # in a venv with leakhound and pandas installed
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import leakhound

ROWS = int(os.environ.get("ROWS", 100_000))
FEATURES = int(os.environ.get("FEATURES", 50))
RUNS = int(os.environ.get("RUNS", 3))


def table(n: int, f: int, seed: int = 42) -> pd.DataFrame:
    """Numeric columns, one categorical in ten, 2% missing values in one column in five, and
    two leaks: ``settled_amount`` (after the outcome) and ``closure_note_len`` (only for y=1)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, f - 2))
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(size=n) > 0.8).astype(int)
    cols = {}
    for j in range(f - 2):
        if j % 10 == 9:
            cols[f"cat_{j}"] = np.array(["a", "b", "c", "d"])[(np.abs(x[:, j]) * 2).astype(int) % 4]
        else:
            v = x[:, j].round(4)
            if j % 5 == 4:
                v = np.where(rng.random(n) < 0.02, np.nan, v)
            cols[f"x_{j}"] = v
    cols["settled_amount"] = np.where(y == 1, rng.uniform(0, 100, n).round(2), 0.0)
    cols["closure_note_len"] = np.where(y == 1, rng.integers(10, 400, n).astype(float), np.nan)
    cols["y"] = y
    return pd.DataFrame(cols)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="leakhound-pybench-"))
    df = table(ROWS, FEATURES)
    csv = work / "data.csv"
    df.to_csv(csv, index=False)
    df = pd.read_csv(csv)  # the frame a user would hold: read, not generated
    exe = shutil.which("leakhound") or str(Path(sys.executable).parent / "leakhound")
    cli, py, py_audit = [], [], []
    for i in range(RUNS):
        t = time.perf_counter()
        subprocess.run(
            [exe, "audit", str(csv), "--target", "y", "-q", "--no-plots", "--out", str(work / f"cli{i}")],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        cli.append(time.perf_counter() - t)
        t = time.perf_counter()
        r = leakhound.audit(df, target="y")
        py_audit.append(time.perf_counter() - t)
        r.save(work / f"py{i}", plots=[])
        py.append(time.perf_counter() - t)
    assert {"settled_amount", "closure_note_len"} <= set(r.likely_leaks), r.likely_leaks
    c, p, a = statistics.median(cli), statistics.median(py), statistics.median(py_audit)
    print(f"{ROWS} rows x {FEATURES} features, median of {RUNS} runs each, alternating")
    print(f"  CLI (parse CSV, audit, write the report folder):     {c:6.2f} s")
    print(f"  Python (pandas -> Arrow, audit, Report.save):        {p:6.2f} s  ({p / c:.2f}x the CLI)")
    print(f"  Python audit() alone:                                {a:6.2f} s  ({a / c:.2f}x the CLI)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
