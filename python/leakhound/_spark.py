"""Spark DataFrames (extra ``spark``): the split checks' statistics as Spark operations over every
row on the cluster, and a seeded stratified sample for the models; only the aggregates and the
sample (as Arrow) reach the driver. The Rust audit then decides on these counts exactly as it
does on its own (``ExactStatistics`` in the library), and models the sample.

The counts are the in-memory engine's: a row's hash covers every feature both sides have, a
missing value hashed apart from any value; near repeats round numbers to a fraction of the
training column's standard deviation; a group is its text; a time is seconds since 1970.
"""

import time
from typing import Any, Dict, List, Optional, Tuple

from ._errors import ColumnNotFoundError, DataError, SettingError

#: Rows the models see by default (the library's ``DEFAULT_SAMPLE_ROWS``).
DEFAULT_SAMPLE_ROWS = 1_000_000
#: A class keeps at least this many sampled rows (all of them when it has fewer).
MIN_CLASS_ROWS = 1_000
#: A target with at most this many distinct values (approximately) is stratified by value.
MAX_STRATA = 256


def is_frame(obj: Any) -> bool:
    """Whether ``obj`` is a Spark DataFrame (classic or Connect)."""
    return type(obj).__module__.startswith("pyspark.sql") and hasattr(obj, "sparkSession")


def prepare(
    train: Any,
    test: Any,
    target: str,
    options: Dict[str, Any],
    sample_rows: Optional[int],
) -> Tuple[Any, Any, Dict[str, Any]]:
    """The training and test samples (pyarrow Tables) and the counts over every row."""
    from pyspark.sql import functions as F

    if test is not None and not is_frame(test):
        raise DataError("test: a Spark DataFrame's test side must be a Spark DataFrame too")
    if test is None:
        raise SettingError(
            "invalid setting `test`: a Spark DataFrame is audited against its test side; give "
            "test= (another Spark DataFrame)"
        )
    if options.get("split_col") or options.get("max_rows"):
        name = "split_col" if options.get("split_col") else "max_rows"
        raise SettingError(
            f"invalid setting `{name}`: not taken for a Spark DataFrame (give test= and sample_rows=)"
        )
    rows = sample_rows if sample_rows is not None else DEFAULT_SAMPLE_ROWS
    if not isinstance(rows, int) or rows < 1:
        raise SettingError(f"invalid setting `sample_rows`: must be a whole number >= 1, got {rows!r}")
    group, when = options.get("group_col"), options.get("time_col")
    for col, role in ((target, "`target`"), (group, "`group_col`"), (when, "`time_col`")):
        if col is not None and col not in train.columns:
            raise ColumnNotFoundError(f"unknown column '{col}' given to {role}")
    seed = int(options.get("seed", 42))
    tolerance = float(options.get("dup_tolerance", 0.001))
    task = options.get("task", "auto")
    roles = {target, group, when, *_listed(options.get("id_col")), *_listed(options.get("ignore"))}
    features = [c for c in train.columns if c not in roles]
    numeric = {f.name for f in train.schema.fields if _is_number(f.dataType)}

    started = time.perf_counter()
    train = train.where(F.col(target).isNotNull())
    test = test.where(F.col(target).isNotNull())
    strata = _strata(train, target, task)
    train_rows = sum(strata.values())
    rate = min(1.0, rows / max(train_rows, 1))
    train_sample = _sample(train, target, strata, rate, seed)
    test_strata = _strata(test, target, task)
    test_rows = sum(test_strata.values())
    test_sample = _sample(test, target, test_strata, rate, seed)

    counting = time.perf_counter()
    shared = [c for c in features if c in test.columns]
    steps = [0.0] * len(shared)
    sds = [c for c in shared if c in numeric]
    if tolerance > 0 and sds:
        row = train.agg(*[F.stddev_pop(F.col(c).cast("double")).alias(c) for c in sds]).first()
        by_name = {c: (row[c] or 0.0) * tolerance for c in sds}
        steps = [by_name.get(c, 0.0) for c in shared]

    def hashed(side: Any, extra: List[str], rounded: bool, cols: List[str]) -> Any:
        parts = []
        for c, step in zip(cols, steps if rounded else [0.0] * len(cols)):
            parts.extend(_value(c, c in numeric, step))
        for c in extra:
            parts.extend(_value(c, False, 0.0))
        return F.xxhash64(*parts)

    def group_of(side: Any) -> Any:
        if group is not None and group in side.columns:
            return F.col(group).cast("string")
        return F.lit(None).cast("string")

    def time_of(side: Any) -> Any:
        if when is not None and when in side.columns:
            return _seconds(side, when)
        return F.lit(None).cast("double")

    train_h = train.select(
        hashed(train, [], False, shared).alias("h"),
        hashed(train, [], True, shared).alias("hn"),
        hashed(train, [target], False, shared).alias("ht"),
        F.xxhash64(*[p for c in features for p in _value(c, c in numeric, 0.0)]).alias("ha"),
        group_of(train).alias("g"),
        time_of(train).alias("t"),
    ).persist()
    test_h = test.select(
        hashed(test, [], False, shared).alias("h"),
        hashed(test, [], True, shared).alias("hn"),
        hashed(test, [target], False, shared).alias("ht"),
        F.col(target).cast("string").alias("cls"),
        group_of(test).alias("g"),
        time_of(test).alias("t"),
    ).persist()
    try:
        classes = len(strata) > 1 or next(iter(strata)) != ""

        def matched(col: str) -> Dict[str, int]:
            rows = (
                test_h.join(train_h.select(col).distinct(), col, "left_semi")
                .groupBy("cls")
                .count()
                .collect()
            )
            return {(r["cls"] if r["cls"] is not None else ""): int(r["count"]) for r in rows}

        by_class = matched("h")
        within = train_h.groupBy("ha").count().agg(
            F.sum("count").alias("rows"), F.count(F.lit(1)).alias("distinct")
        ).first()
        distinct = int(within["distinct"] or 0)
        duplicates = {
            "exact_test_rows": sum(by_class.values()),
            "exact_with_target_rows": sum(matched("ht").values()),
            "near_test_rows": sum(matched("hn").values()),
            "within_train_rows": int(within["rows"] or 0) - distinct,
            "distinct_train_rows": distinct,
            "exact_test_rows_by_class": by_class if classes else {},
        }
        groups = None
        if group is not None and group in test.columns:
            t = test_h.where(F.col("g").isNotNull()).groupBy("g").count()
            s = train_h.where(F.col("g").isNotNull()).select("g").distinct().withColumn("seen", F.lit(1))
            r = t.join(s, "g", "left").agg(
                F.count(F.lit(1)).alias("test_groups"),
                F.count("seen").alias("shared"),
                F.sum(F.when(F.col("seen").isNotNull(), F.col("count")).otherwise(0)).alias("rows"),
            ).first()
            groups = {
                "shared_groups": int(r["shared"] or 0),
                "test_groups": int(r["test_groups"] or 0),
                "test_rows_in_shared_groups": int(r["rows"] or 0),
            }
        time_order = None
        if when is not None and when in test.columns:
            known = train_h.where(F.col("t").isNotNull() & ~F.isnan("t"))
            last = known.agg(F.max("t")).first()[0]
            before = 0 if last is None else test_h.where(F.col("t") < F.lit(last)).count()
            shared_times = test_h.join(known.select("t").distinct(), "t", "left_semi").count()
            time_order = {
                "test_rows_before_train_end": int(before),
                "shared_timestamps": int(shared_times),
                "last_train_time": None if last is None else float(last),
            }
    finally:
        train_h.unpersist()
        test_h.unpersist()
    features = _feature_counts(train, train_sample, target, options)
    exact = {
        "engine": "spark",
        "train_rows": train_rows,
        "test_rows": test_rows,
        "test_rows_by_class": test_strata if classes else {},
        "duplicates": duplicates,
        "groups": groups,
        "time_order": time_order,
        "seconds": time.perf_counter() - counting,
        "sample_seconds": counting - started,
    }
    return train_sample, test_sample, exact, features


def _feature_counts(
    train: Any, sample: Any, target: str, options: Dict[str, Any]
) -> Dict[str, Any]:
    """The features' cells over every training row, binned as the audit bins ``sample``: each
    partition's Arrow batches are placed in their cells by the library (``feature_cells``, the
    same binning as the in-memory and DataFusion engines) and summed per cell, then Spark adds
    the partitions' sums up per cell. Executors need leakhound installed, as for any Python
    function Spark runs."""
    import json

    from pyspark.sql import functions as F

    from . import _leakhound

    started = time.perf_counter()
    plan = _leakhound.count_plan(sample, target, options=options)
    columns = [target] + [f["name"] for f in json.loads(plan)["features"]]

    def count(batches: Any) -> Any:
        import pyarrow as pa

        from leakhound import _leakhound as native

        for batch in batches:
            cell, n, s, ss, r, rr = native.feature_cells(pa.Table.from_batches([batch]), plan)
            yield pa.RecordBatch.from_arrays(
                [
                    pa.array(cell, pa.int64()),
                    pa.array(n, pa.int64()),
                    pa.array(s, pa.float64()),
                    pa.array(ss, pa.float64()),
                    pa.array(r, pa.float64()),
                    pa.array(rr, pa.float64()),
                ],
                names=["cell", "n", "s", "ss", "r", "rr"],
            )

    schema = "cell long, n long, s double, ss double, r double, rr double"
    sums = (
        train.select(*[F.col(c) for c in columns])
        .mapInArrow(count, schema)
        .groupBy("cell")
        .agg(*[F.sum(c).alias(c) for c in ("n", "s", "ss", "r", "rr")])
        .collect()
    )
    cells = sorted(
        (int(x["cell"]), int(x["n"]), x["s"], x["ss"], x["r"], x["rr"]) for x in sums
    )
    levels = _level_sums(train, plan, target)
    return {
        "plan": json.loads(plan),
        "cells": cells,
        "levels": levels,
        "seconds": time.perf_counter() - started,
    }


def _level_sums(train: Any, plan: str, target: str) -> List[Any]:
    """The target-encoding check's level aggregates over every training row: per (level
    column, level, numeric feature) the rows where the feature is present, their sums of each
    encoded target, the feature's least and greatest value. Each partition's batches are
    aggregated by the library (``level_sums``), then Spark adds them up."""
    import json

    from pyspark.sql import functions as F

    spec = json.loads(plan)
    enc = spec.get("encodings", {})
    if not enc.get("level_columns") or not enc.get("numeric"):
        return []
    # The encoded targets: the number, the positive class of two, or every class.
    classes = spec["target"].get("Classes", {}).get("classes", [])
    targets = len(classes) if len(classes) > 2 else 1
    columns = list(dict.fromkeys([target, *enc["level_columns"], *enc["numeric"]]))
    sums = [f"s{t}" for t in range(targets)]

    def aggregate(batches: Any) -> Any:
        import pyarrow as pa

        from leakhound import _leakhound as native

        for batch in batches:
            c, lvl, f, n, s, mn, mx = native.level_sums(pa.Table.from_batches([batch]), plan)
            keys = [
                pa.array(c, pa.int32()),
                pa.array(lvl, pa.string()),
                pa.array(f, pa.int32()),
                pa.array(n, pa.int64()),
            ]
            per_target = [pa.array([row[t] for row in s], pa.float64()) for t in range(targets)]
            extremes = [pa.array(mn, pa.float64()), pa.array(mx, pa.float64())]
            yield pa.RecordBatch.from_arrays(
                keys + per_target + extremes, names=["c", "level", "f", "n", *sums, "mn", "mx"]
            )

    fields = ["c int", "level string", "f int", "n long", *[f"{x} double" for x in sums]]
    schema = ", ".join(fields + ["mn double", "mx double"])
    rows = (
        train.select(*[F.col(c) for c in columns])
        .mapInArrow(aggregate, schema)
        .groupBy("c", "level", "f")
        .agg(
            F.sum("n").alias("n"),
            *[F.sum(x).alias(x) for x in sums],
            F.min("mn").alias("mn"),
            F.max("mx").alias("mx"),
        )
        .collect()
    )
    return sorted(
        (int(r["c"]), r["level"], int(r["f"]), int(r["n"]), [r[x] for x in sums], r["mn"], r["mx"])
        for r in rows
    )


def _listed(value: Any) -> List[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _is_number(t: Any) -> bool:
    from pyspark.sql import types as T

    return isinstance(t, (T.NumericType, T.BooleanType))


def _value(col: str, number: bool, step: float) -> List[Any]:
    """What a row's hash reads of a column: whether it is missing, then its value (a number as a
    double, rounded to ``step`` when positive; anything else as its text)."""
    from pyspark.sql import functions as F

    c = F.col(col)
    if number:
        v = c.cast("double")
        missing = v.isNull() | F.isnan(v)
        value = F.round(v / F.lit(step)).cast("long") if step > 0 else v + F.lit(0.0)
    else:
        missing = c.isNull()
        value = c.cast("string")
    return [missing, F.when(~missing, value)]


def _seconds(side: Any, col: str) -> Any:
    """A time column as seconds since 1970 (dates at midnight UTC)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    t = side.schema[col].dataType
    c = F.col(col)
    if isinstance(t, T.DateType):
        return F.datediff(c, F.lit("1970-01-01").cast("date")).cast("double") * F.lit(86400.0)
    if isinstance(t, (T.TimestampType, T.TimestampNTZType)):
        return F.unix_micros(F.to_timestamp(c)).cast("double") / F.lit(1e6)
    if _is_number(t):
        return c.cast("double")
    return F.unix_micros(F.to_timestamp(c)).cast("double") / F.lit(1e6)


def _strata(side: Any, target: str, task: str) -> Dict[str, int]:
    """Rows per class when the target has few values (or the task is a classification), else
    one stratum ``""``."""
    from pyspark.sql import functions as F

    if task == "regression":
        few = False
    elif task in ("binary", "multiclass"):
        few = True
    else:
        few = side.agg(F.approx_count_distinct(target)).first()[0] <= MAX_STRATA
    if not few:
        return {"": side.count()}
    rows = side.groupBy(F.col(target).cast("string").alias("k")).count().collect()
    return {r["k"]: int(r["count"]) for r in rows if r["count"] > 0}


def _sample(side: Any, target: str, strata: Dict[str, int], rate: float, seed: int) -> Any:
    """A seeded sample as a pyarrow Table: a row is kept when the seeded hash of its values falls
    below its stratum's rate (at least ``MIN_CLASS_ROWS`` rows of a class), sorted by that hash
    so the table is the same however the data is partitioned."""
    from pyspark.sql import functions as F

    def limit(n: int) -> int:
        p = min(1.0, max(rate * n, min(n, MIN_CLASS_ROWS)) / max(n, 1))
        # xxhash64 is signed: a share p of its range lies below -2^63 + p * 2^64.
        return 2**63 - 1 if p >= 1.0 else int(-(2**63) + p * 2**64)

    cols = side.columns
    key = F.xxhash64(F.lit(seed), *[p for c in cols for p in _value(c, False, 0.0)])
    if len(strata) == 1:
        bound = F.lit(limit(next(iter(strata.values()))))
    else:
        bound = F.lit(-(2**63))
        for k, n in strata.items():
            bound = F.when(F.col(target).cast("string") == F.lit(k), F.lit(limit(n))).otherwise(bound)
    keyed = side.withColumn("__lh_key", key)
    kept = keyed.where(F.col("__lh_key") <= bound).orderBy("__lh_key").drop("__lh_key")
    return kept.toArrow()
