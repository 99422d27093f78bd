#!/usr/bin/env bash
# Build the fuzzing corpora from the committed fixtures, then e.g.:
#   cargo +nightly fuzz run -O csv fuzz/corpus/csv -- -max_total_time=600
# The first byte of a csv input picks gzip (bit 0) and --max-rows sampling (bit 1); the first
# byte of an xgboost input picks UBJSON (bit 0) over JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p fuzz/corpus/{csv,onnx,xgboost,lightgbm,catboost}
for f in tests/data/*.csv; do (printf '\x00'; head -c 3000 "$f") > "fuzz/corpus/csv/$(basename "$f")"; done
printf '\x00a,b,y\n1,"x\ny",0\n2,,1\n3,inf,0\n' > fuzz/corpus/csv/quoted
(printf '\x01'; gzip -c tests/data/iris.csv) > fuzz/corpus/csv/iris.gz
cp models/*.onnx tests/data/unsupported_op.onnx fuzz/corpus/onnx/
for f in models/xgboost_*.json; do (printf '\x00'; cat "$f") > "fuzz/corpus/xgboost/$(basename "$f")"; done
(printf '\x01'; cat models/xgboost_multiclass.ubj) > fuzz/corpus/xgboost/multi.ubj
cp models/*.txt fuzz/corpus/lightgbm/
cp models/catboost_*.json tests/data/catboost_ctr.json fuzz/corpus/catboost/
