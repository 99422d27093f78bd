"""Spark DataFrames (extra ``spark``) in local mode: the counts over every row equal the in-memory
engine's on the same data, and the findings are the same; a sample is stated and seeded.
Skipped where pyspark is not installed, unless ``LEAKHOUND_REQUIRE_SPARK`` is set (``.ci/run``
installs it and sets it)."""

import datetime as dt
import os
import sys

import numpy as np
import pandas as pd
import pytest

import leakhound

if os.environ.get("LEAKHOUND_REQUIRE_SPARK"):
    import pyspark  # noqa: F401
else:
    pytest.importorskip("pyspark")

HIGH = ("high", "critical")
COUNTS = [
    ("train_test_duplicates", "exact_test_rows"),
    ("train_test_duplicates", "exact_with_target_rows"),
    ("train_test_duplicates", "near_test_rows"),
    ("train_test_duplicates", "within_train_rows"),
    ("group_overlap", "shared_groups"),
    ("group_overlap", "test_groups"),
    ("group_overlap", "test_rows_in_shared_groups"),
    ("temporal_leak", "test_rows_before_train_end"),
    ("temporal_leak", "shared_timestamps"),
    ("temporal_leak", "last_train_time"),
]


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # The workers run leakhound's binning: this interpreter, where it is installed.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    s = (
        SparkSession.builder.master("local[2]")
        .appName("leakhound-tests")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    yield s
    s.stop()


def side(rng: np.random.Generator, n: int, first_customer: int, first_day: dt.date) -> pd.DataFrame:
    """``y`` from x1 and the colour; ``spend_after`` recorded after the outcome; ``status_code``
    a code of the outcome; customers and days of the side."""
    x1 = rng.uniform(-2, 2, n).round(3)
    colour = rng.choice(["red", "green", "blue", "black"], n)
    y = rng.random(n) < 1 / (1 + np.exp(-(x1 + 0.8 * (colour == "red"))))
    x1 = np.where(np.arange(n) % 37 == 0, np.nan, x1)
    return pd.DataFrame(
        {
            "x1": x1,
            "x2": rng.uniform(0, 100, n).round(2),
            "size": rng.integers(1, 40, n),
            "colour": np.where(np.arange(n) % 53 == 0, None, colour),
            "spend_after": np.where(y, rng.uniform(50, 500, n).round(2), 0.0),
            "status_code": [f"S{9 if v else 1}{k}" for v, k in zip(y, rng.integers(0, 3, n))],
            "customer": [f"c{first_customer + k}" for k in rng.integers(0, n // 3, n)],
            "day": [first_day + dt.timedelta(days=i * 365 // n) for i in range(n)],
            "y": np.where(y, "yes", "no"),
        }
    )


def split():
    """3,000 training rows (ten repeated), 860 test rows: 60 copied from training, 40 of them
    sharing a customer with training, the first week overlapping training's last."""
    rng = np.random.default_rng(30)
    train = side(rng, 3000, 0, dt.date(2022, 1, 8))
    train = pd.concat([train, train.iloc[[r * 7 for r in range(10)]]], ignore_index=True)
    test = side(rng, 800, 5000, dt.date(2022, 1, 8) + dt.timedelta(days=358))
    test = pd.concat([test, train.iloc[[100 + r * 13 for r in range(60)]]], ignore_index=True)
    for r in range(40):
        test.loc[r * 3, "customer"] = train.loc[r * 11, "customer"]
    return train, test


def evidence(report, kind, field):
    for f in report.to_dict()["findings"]:
        if f["kind"] == kind and field in f["evidence"]:
            return f["evidence"][field]
    raise AssertionError(f"no {kind} finding with {field}")


def found(report):
    return sorted(
        (f["kind"], f["feature"] or "", f["severity"]) for f in report.to_dict()["findings"]
    )


OPTIONS = dict(task="binary", group_col="customer", time_col="day", random_state=7)


def test_spark_counts_equal_the_in_memory_engine_and_find_the_same(spark):
    train, test = split()
    memory = leakhound.audit(train, target="y", test=test, **OPTIONS)
    on_spark = leakhound.audit(
        spark.createDataFrame(train).repartition(3),
        target="y",
        test=spark.createDataFrame(test),
        **OPTIONS,
    )
    m, s = memory.to_dict(), on_spark.to_dict()
    assert m["engine"]["name"] == "in-memory"
    assert s["engine"]["name"] == "spark"
    assert s["engine"]["sampled"] == []  # every row fits the sample
    assert s["dataset"]["rows"] == s["dataset"]["rows_used"] == 3010
    for kind, field in COUNTS:
        assert evidence(memory, kind, field) == evidence(on_spark, kind, field), (kind, field)
    assert evidence(on_spark, "train_test_duplicates", "exact_test_rows") == 60
    assert evidence(on_spark, "train_test_duplicates", "within_train_rows") == 10
    assert evidence(on_spark, "group_overlap", "shared_groups") >= 40
    assert m["split"] == s["split"]
    assert found(memory) == found(on_spark)
    for leak in ("spend_after", "status_code"):
        assert any(
            f["feature"] == leak and f["severity"] in HIGH for f in s["findings"]
        ), leak
    assert "counting" in s["timings"]


def test_a_spark_sample_is_stated_seeded_and_the_counts_stay_exact(spark):
    train, test = split()
    memory = leakhound.audit(train, target="y", test=test, **OPTIONS)
    frames = (spark.createDataFrame(train).repartition(4), spark.createDataFrame(test))
    first = leakhound.audit(frames[0], target="y", test=frames[1], sample_rows=1200, **OPTIONS)
    d = first.to_dict()
    assert d["dataset"]["sampled"] and d["dataset"]["rows"] == 3010
    # 1,200 asked, and at least 1,000 of each class.
    assert 1900 <= d["dataset"]["rows_used"] < 2100
    assert d["engine"]["exact"] and d["engine"]["sampled"]
    for kind, field in COUNTS[:1] + COUNTS[6:8]:
        assert evidence(memory, kind, field) == evidence(first, kind, field), (kind, field)
    # Another partitioning of the same rows draws the same sample.
    again = leakhound.audit(
        spark.createDataFrame(train).repartition(2),
        target="y",
        test=spark.createDataFrame(test),
        sample_rows=1200,
        **OPTIONS,
    )

    def strip(r):
        d = r.to_dict()
        d.pop("timings")
        return d

    assert strip(first) == strip(again)


def in_memory_cells(frame: pd.DataFrame, plan: str):
    """The cells of every row of ``frame`` under ``plan``, counted in this process."""
    import pyarrow as pa

    from leakhound import _leakhound

    return sorted(zip(*_leakhound.feature_cells(pa.Table.from_pandas(frame, preserve_index=False), plan)))


@pytest.mark.parametrize("sample_rows", [None, 1200])
def test_spark_counts_every_row_into_the_features_cells(spark, sample_rows):
    """The features' cells Spark sums over the partitions are the table's own, counted in one
    piece in memory under the same plan (that of the sample): single-feature power and the
    missingness check read every row, and the report says so."""
    import json

    from leakhound import _spark

    train, test = split()
    frame = spark.createDataFrame(train).repartition(3)
    options = {"task": "binary", "group_col": "customer", "time_col": "day", "seed": 7}
    train_sample, _, _, counted = _spark.prepare(
        frame, spark.createDataFrame(test), "y", options, sample_rows
    )
    plan = json.dumps(counted["plan"])
    spark_cells = [tuple(c) for c in counted["cells"]]
    assert spark_cells == in_memory_cells(train, plan)
    # The target-encoding check's level aggregates, the same way.
    from leakhound import _leakhound
    import pyarrow as pa

    whole = pa.Table.from_pandas(train, preserve_index=False)
    mine = sorted(zip(*_leakhound.level_sums(whole, plan)))
    assert counted["levels"] and [tuple(l) for l in counted["levels"]] == mine
    assert sum(c[1] for c in spark_cells) == 3010 * len(counted["plan"]["features"])
    report = leakhound.audit(
        frame, target="y", test=spark.createDataFrame(test), sample_rows=sample_rows, **OPTIONS
    ).to_dict()
    if sample_rows:
        assert any(e.startswith("single-feature power") for e in report["engine"]["exact"])
    by_name = {f["name"]: f["single_feature_power"]["power"] for f in report["features"]}
    assert by_name["spend_after"] > 0.9 and by_name["status_code"] > 0.9


def test_spark_input_errors_name_the_problem(spark):
    train, test = split()
    frame = spark.createDataFrame(train)
    with pytest.raises(leakhound.ColumnNotFoundError, match="'nope'"):
        leakhound.audit(frame, target="y", test=spark.createDataFrame(test), group_col="nope")
    with pytest.raises(leakhound.SettingError, match="test"):
        leakhound.audit(frame, target="y")
    with pytest.raises(leakhound.SettingError, match="sample_rows"):
        leakhound.audit(train, target="y", sample_rows=10)
