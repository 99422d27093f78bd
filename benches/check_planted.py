"""Checks a leakhound report against the counts ``benches/bigsplit.rs`` planted (its
``planted.json``): the exact repeated-row, shared-customer and overlap counts, and every planted
leak `high` or above. Used by ``beyond_one_machine.sh`` and ``spark_split.py``.

    python benches/check_planted.py DIR/planted.json DIR/report/report.json
"""

import json
import sys
from typing import Any, Dict


def check(planted: Dict[str, Any], report: Dict[str, Any]) -> bool:
    """Print each planted count beside the report's; whether all match and every leak is found."""

    def evidence(kind: str, field: str) -> Any:
        for f in report["findings"]:
            if f["kind"] == kind and field in f["evidence"]:
                return f["evidence"][field]
        return None

    counts = {
        "repeated test rows": (evidence("train_test_duplicates", "exact_test_rows"), planted["repeated_test_rows"]),
        "shared customers": (evidence("group_overlap", "shared_groups"), planted["shared_customers"]),
        "test rows of shared customers": (
            evidence("group_overlap", "test_rows_in_shared_groups"),
            planted["test_rows_in_shared_customers"],
        ),
        "test rows before the training end": (
            evidence("temporal_leak", "test_rows_before_train_end"),
            planted["test_rows_before_train_end"],
        ),
    }
    ok = True
    for name, (got, want) in counts.items():
        print(f"{name}: reported {got}, planted {want}")
        ok &= got == want
    for leak in planted["leaks"]:
        severities = [f["severity"] for f in report["findings"] if f["feature"] == leak]
        print(f"{leak}: {severities}")
        ok &= any(s in ("high", "critical") for s in severities)
    d = report["dataset"]
    print(f"engine {report['engine']['name']}: {d['rows']} rows, {d['rows_used']} modelled")
    print("timings:", {k: round(v, 1) for k, v in report["timings"].items()})
    print("all planted leaks found with exact counts" if ok else "MISSED")
    return ok


if __name__ == "__main__":
    ok = check(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
    sys.exit(0 if ok else 1)
