#!/usr/bin/env bash
# The DataFusion engine at scale: writes the seeded split of benches/bigsplit.rs (ROWS training
# rows x 20 features as hive-partitioned Parquet, a fifth as many test rows, planted leaks),
# audits it with `--engine datafusion` under a memory limit, and checks the report against the
# planted counts: every planted leak found `high` or above, the exact repeated-row,
# shared-customer and overlap counts. Prints the wall time and the peak RSS (GNU time).
#
#   ROWS=100000000 MEMORY_GB=3 DIR=/data/bigsplit bash benches/beyond_one_machine.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-10000000}
MEMORY_GB=${MEMORY_GB:-3}
DIR=${DIR:-target/bigsplit-$ROWS}
BIN=target/release/leakhound

if [ ! -f "$DIR/planted.json" ]; then
    cargo bench --quiet --bench bigsplit -- --rows "$ROWS" --out "$DIR"
fi
# After the generator: `cargo bench` rebuilds the binary without the feature.
cargo build --release --quiet --features datafusion
du -sh "$DIR/train" "$DIR/test"

/usr/bin/time -v -o "$DIR/time.txt" "$BIN" audit "$DIR/train" --test "$DIR/test" \
    --target y --task binary --group-col customer --time-col day \
    --memory-limit "$MEMORY_GB" --out "$DIR/report" --quiet || true
grep -E "Elapsed|Maximum resident" "$DIR/time.txt"

python3 benches/check_planted.py "$DIR/planted.json" "$DIR/report/report.json"
