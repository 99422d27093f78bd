#!/usr/bin/env bash
# Side by side, in one run on the same generated file: leakhound's full audit against the
# Python stack (scikit-learn permutation importance, rfpimp drop-column, ppscore), which this
# script installs into a venv. The product never needs Python; only this comparison does.
#
#   benches/compare_python.sh                      # 100,000 rows x 50 features
#   ROWS=20000 FEATURES=20 RUNS=5 benches/compare_python.sh
#   ROWS=1000000 FEATURES=100 PY_BUDGET=900 benches/compare_python.sh
#   KIND=realistic benches/compare_python.sh       # the generator's realistic tables
#
# PY_BUDGET (seconds) caps the Python side's drop-column loop, which at 1M rows would take
# hours: it stops after the column that crosses the budget and extrapolates; the table says so.
# leakhound's stages come from its report's timings (median run).
set -euo pipefail
ROWS=${ROWS:-100000}
FEATURES=${FEATURES:-50}
RUNS=${RUNS:-3}          # leakhound runs (median reported)
PY_RUNS=${PY_RUNS:-1}    # Python stack runs (median reported; each takes minutes)
PY_BUDGET=${PY_BUDGET:-0}
KIND=${KIND:-wide}       # perfdata --kind: wide (4-decimal normals) or realistic
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-$ROOT/target/compare-python}
mkdir -p "$WORK"
cd "$ROOT"

cargo build --release -q
DATA="$WORK/${KIND}-${ROWS}x${FEATURES}.csv"
cargo bench -q --bench perfdata -- --kind "$KIND" --rows "$ROWS" --features "$FEATURES" --out "$DATA"

if [ ! -x "$WORK/venv/bin/python" ]; then
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install -q --upgrade pip
  "$WORK/venv/bin/pip" install -q scikit-learn pandas ppscore rfpimp
fi
"$WORK/venv/bin/python" -c "import sklearn, pandas, ppscore, rfpimp; print('python stack: scikit-learn', sklearn.__version__, '| pandas', pandas.__version__)"

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
now() { date +%s.%N; }

lh_times=()
for i in $(seq "$RUNS"); do
  start=$(now)
  ./target/release/leakhound audit "$DATA" --target y --out "$WORK/leakhound-report-$i" -q > "$WORK/leakhound.txt" || true
  end=$(now)
  lh_times+=("$(echo "$end - $start" | bc -l)")
done
LH=$(printf '%s\n' "${lh_times[@]}" | median)
# The report of the median run (for its stage timings).
for i in $(seq "$RUNS"); do
  if [ "${lh_times[$((i-1))]}" = "$LH" ]; then cp -r "$WORK/leakhound-report-$i/." "$WORK/leakhound-report"; fi
done
[ -f "$WORK/leakhound-report/report.json" ] || cp -r "$WORK/leakhound-report-1/." "$WORK/leakhound-report"

py_times=()
for i in $(seq "$PY_RUNS"); do
  "$WORK/venv/bin/python" benches/python_stack.py "$DATA" y "$PY_BUDGET" > "$WORK/python.json"
  py_times+=("$("$WORK/venv/bin/python" -c "import json; print(json.load(open('$WORK/python.json'))['total_s'])")")
done
PY=$(printf '%s\n' "${py_times[@]}" | median)

"$WORK/venv/bin/python" - "$WORK/python.json" "$WORK/leakhound-report/report.json" "$LH" "$PY" "$ROWS" "$FEATURES" <<'PY'
import json, sys
py = json.load(open(sys.argv[1]))
lh = json.load(open(sys.argv[2]))
lh_s, py_s, rows, feats = float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6]
print(f"\n{rows} rows x {feats} features, planted leaks: settled_amount, closure_note_len\n")
print(f"{'tool':<58}{'wall s':>10}")
print(f"{'scikit-learn HGB + permutation_importance(n_repeats=5)':<58}{py['sklearn_permutation_s']:>10.1f}   top {py['sklearn_permutation_top']}")
if "rfpimp_dropcol_columns_done" in py:
    print(f"{'rfpimp drop-column (random forest, 10 trees), extrapolated':<58}{py['rfpimp_dropcol_s']:>10.1f}   "
          f"stopped after {py['rfpimp_dropcol_columns_done']} of {py['rfpimp_dropcol_columns']} columns "
          f"({py['rfpimp_dropcol_spent_s']:.0f} s, the budget)")
else:
    print(f"{'rfpimp drop-column (random forest, 10 trees)':<58}{py['rfpimp_dropcol_s']:>10.1f}   top {py['rfpimp_dropcol_top']}")
print(f"{'ppscore (default 5,000-row sample)':<58}{py['ppscore_s']:>10.1f}   top {py['ppscore_top']}")
print(f"{'pandas read_csv':<58}{py['read_s']:>10.1f}")
print(f"{'Python stack total (median)':<58}{py_s:>10.1f}")
flagged = sorted({f['feature'] for f in lh['findings'] if f['severity'] in ('high', 'critical') and f['feature']})
print(f"{'leakhound audit, everything incl. plots (median)':<58}{lh_s:>10.1f}   high+ on {flagged}")
order = ["reading", "preparing", "binning", "single_feature_power", "importance", "checks", "peeling", "split"]
for k in order + sorted(set(lh["timings"]) - set(order)):
    if k in lh["timings"]:
        print(f"{'  leakhound ' + k:<58}{lh['timings'][k]:>10.2f}")
print(f"\nratio (Python stack / leakhound): {py_s / lh_s:.1f}x")
PY
