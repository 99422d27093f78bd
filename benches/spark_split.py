"""The Spark route at scale: audits the split written by ``benches/bigsplit.rs`` (read by Spark
from its Parquet directories) through ``leakhound.audit`` on a ``local[2]`` session, checks the
report against the planted counts, and prints the wall time and the peak memory of the driver
(the JVM, which in local mode also runs the executors) and of the Python process the sample
reaches.

    cargo bench --bench bigsplit -- --rows 10000000 --out /data/b10m
    python benches/spark_split.py /data/b10m        # in a venv with `pip install ".[spark]"`
"""

import json
import resource
import sys
import time

import os

import leakhound
from pyspark.sql import SparkSession

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_planted  # noqa: E402


def peak_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main(d: str) -> int:
    # The workers run leakhound's binning of the features' cells: this interpreter.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("leakhound-bench")
        .config("spark.driver.memory", "4g")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "16")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    jvm = spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
    planted = json.load(open(f"{d}/planted.json"))
    started = time.perf_counter()
    report = leakhound.audit(
        spark.read.parquet(f"{d}/train"),
        target="y",
        test=spark.read.parquet(f"{d}/test"),
        task="binary",
        group_col="customer",
        time_col="day",
    )
    seconds = time.perf_counter() - started
    r = report.to_dict()

    print(f"wall {seconds:.1f} s")
    ok = check_planted.check(planted, r)
    print(f"peak RSS: JVM driver {peak_kb(jvm) / 1e6:.2f} GB, Python {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB")
    spark.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
