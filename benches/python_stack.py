"""The Python leakage-audit stack on one CSV, timed: scikit-learn HistGradientBoosting with
permutation_importance(n_repeats=5), rfpimp drop-column importance with a 10-tree random forest,
and ppscore on its default 5,000-row sample. Prints one JSON object.

With a budget (third argument, seconds; 0 for none), drop-column importance runs rfpimp's loop
(refit without one column, score on the held-out rows) column by column and stops once the
budget is spent: the JSON says how many columns were done and extrapolates the full time.

Run by benches/compare_python.sh (which installs these into a venv); not used by leakhound.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.inspection import permutation_importance
from sklearn.model_selection import train_test_split

path, target = sys.argv[1], sys.argv[2]
budget = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
out = {}
t = time.perf_counter()
df = pd.read_csv(path)
out["read_s"] = time.perf_counter() - t
y = df[target].to_numpy()
X = df.drop(columns=[target])
for c in X.columns:
    if not pd.api.types.is_numeric_dtype(X[c]):
        X[c] = X[c].astype("category").cat.codes.replace(-1, np.nan)
X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)


def top(names, values, k=3):
    order = np.argsort(values)[::-1][:k]
    return [[names[i], round(float(values[i]), 4)] for i in order]


t = time.perf_counter()
hgb = HistGradientBoostingClassifier(random_state=0).fit(X_tr, y_tr)
pi = permutation_importance(hgb, X_te, y_te, n_repeats=5, random_state=0, n_jobs=-1)
out["sklearn_permutation_s"] = time.perf_counter() - t
out["sklearn_permutation_top"] = top(list(X.columns), pi.importances_mean)

import rfpimp  # noqa: E402
from sklearn.base import clone  # noqa: E402

X_tr_f, X_te_f = X_tr.fillna(-999), X_te.fillna(-999)
t = time.perf_counter()
rf = RandomForestClassifier(n_estimators=10, n_jobs=-1, random_state=0)
rf.fit(X_tr_f, y_tr)
if budget <= 0:
    dc = rfpimp.dropcol_importances(rf, X_tr_f, y_tr, X_te_f, y_te)
    out["rfpimp_dropcol_s"] = time.perf_counter() - t
    out["rfpimp_dropcol_top"] = [[str(i), round(float(v), 4)] for i, v in dc["Importance"].head(3).items()]
else:
    # rfpimp.dropcol_importances' loop, stopped when the budget is spent.
    base = rf.score(X_te_f, y_te)
    done, imps = 0, {}
    for col in X_tr_f.columns:
        m = clone(rf).fit(X_tr_f.drop(columns=[col]), y_tr)
        imps[col] = base - m.score(X_te_f.drop(columns=[col]), y_te)
        done += 1
        if time.perf_counter() - t > budget:
            break
    spent = time.perf_counter() - t
    out["rfpimp_dropcol_columns_done"] = done
    out["rfpimp_dropcol_columns"] = X_tr_f.shape[1]
    out["rfpimp_dropcol_spent_s"] = spent
    out["rfpimp_dropcol_s"] = spent / done * X_tr_f.shape[1]  # extrapolated to every column
    top3 = sorted(imps.items(), key=lambda kv: -kv[1])[:3]
    out["rfpimp_dropcol_top"] = [[c, round(float(v), 4)] for c, v in top3]

import ppscore  # noqa: E402

t = time.perf_counter()
pp = ppscore.predictors(df, target)
out["ppscore_s"] = time.perf_counter() - t
out["ppscore_top"] = [[r["x"], round(float(r["ppscore"]), 4)] for _, r in pp.head(3).iterrows()]
out["total_s"] = out["read_s"] + out["sklearn_permutation_s"] + out["rfpimp_dropcol_s"] + out["ppscore_s"]
print(json.dumps(out))
