"""The Python package against real objects: pandas, polars and pyarrow frames with mixed types
and missing values, a path, a scikit-learn Pipeline over string and numeric columns, a LightGBM
model through its sklearn API, the report's conveniences, compare, the command, bad input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import leakhound

REPO = Path(__file__).resolve().parents[2]
CREDIT = REPO / "tests" / "data" / "real" / "creditcard.csv"
HIGH = ("high", "critical")


def loans(n: int = 3000, seed: int = 7) -> pd.DataFrame:
    """Loan applications: honest features of every dtype, with missing values, and
    ``days_in_collections``, recorded after a default (zero otherwise)."""
    rng = np.random.default_rng(seed)
    income = rng.normal(50, 15, n)
    score = rng.normal(650, 60, n)
    logit = -0.03 * (score - 650) - 0.04 * (income - 50) - 1.2
    default = rng.random(n) < 1 / (1 + np.exp(-logit))
    df = pd.DataFrame(
        {
            "income": income,
            "credit_score": score.round(),
            "region": pd.Categorical(rng.choice(["north", "south", "east", "west"], n)),
            "employment_years": pd.array(
                np.where(rng.random(n) < 0.1, None, rng.integers(0, 30, n)), dtype="Int64"
            ),
            "applied_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
            "channel": rng.choice(["web", "branch", None], n),
            "days_in_collections": np.where(default, rng.integers(30, 200, n), 0),
            "default": np.where(default, "yes", "no"),
        }
    )
    return df


def flagged(report: leakhound.Report) -> set:
    return {
        f["feature"]
        for f in report.to_dict()["findings"]
        if f["severity"] in HIGH and f["feature"] is not None
    }


def test_pandas_frame_finds_the_post_outcome_column():
    df = loans()
    r = leakhound.audit(df, target="default")
    assert "days_in_collections" in flagged(r)
    assert "income" not in flagged(r) and "credit_score" not in flagged(r)
    types = {f["name"]: f["type"] for f in r.to_dict()["features"]}
    assert types["region"] == "categorical"
    assert types["applied_at"] == "datetime"
    assert types["employment_years"] == "numeric"
    missing = {f["name"]: f["missing_fraction"] for f in r.to_dict()["features"]}
    assert 0.05 < missing["employment_years"] < 0.15, "nullable NA stays missing"
    assert r.to_dict()["dataset"]["path"] == "pandas DataFrame"


def test_the_real_credit_card_table_from_pandas_polars_pyarrow_and_path():
    pl = pytest.importorskip("polars")
    df = pd.read_csv(CREDIT)
    by_kind = {
        "pandas": leakhound.audit(df, target="card"),
        "polars": leakhound.audit(pl.from_pandas(df), target="card"),
        "pyarrow": leakhound.audit(pa.Table.from_pandas(df), target="card"),
        "path": leakhound.audit(CREDIT, target="card"),
    }
    for kind, r in by_kind.items():
        assert "expenditure" in flagged(r), kind
        assert r.likely_leaks[:2] == ["expenditure", "share"], (kind, r.likely_leaks)
    # The same engine on the same data: the same findings whichever way it came in.
    kinds = [[(f["feature"], f["kind"], f["severity"]) for f in r.to_dict()["findings"]] for r in by_kind.values()]
    assert all(k == kinds[0] for k in kinds)


def test_a_scikit_learn_pipeline_over_strings_and_numbers():
    sk = pytest.importorskip("sklearn")
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    df = pd.read_csv(CREDIT)
    X, y = df.drop(columns="card"), df["card"]
    num = [c for c in X.columns if X[c].dtype.kind in "if"]
    cat = [c for c in X.columns if c not in num]
    assert cat, "the table has string columns"
    pipe = Pipeline(
        [
            ("prep", ColumnTransformer([("num", StandardScaler(), num), ("cat", OneHotEncoder(handle_unknown="ignore"), cat)])),
            ("clf", HistGradientBoostingClassifier(random_state=0)),
        ]
    ).fit(X, y)
    r = leakhound.audit(df, target="card", model=pipe)
    u = r.to_dict()["user_model"]
    assert u["format"] == "python" and u["path"] == "sklearn.pipeline.Pipeline"
    assert u["importance"][0]["feature"] == "expenditure", u["importance"][:3]
    assert u["importance"][0]["importance_share"] > 0.5
    assert any(f["kind"] == "model_relies_on_leak" for f in r.to_dict()["findings"])


def test_a_lightgbm_model_on_a_polars_test_frame():
    try:
        import lightgbm as lgb
    except (ImportError, OSError) as e:  # its wheel needs the system's OpenMP (libgomp)
        pytest.skip(f"lightgbm unavailable: {e}")
    pl = pytest.importorskip("polars")
    df = loans(4000, seed=3)
    X = df[["income", "credit_score", "days_in_collections"]]
    y = (df["default"] == "yes").astype(int)
    model = lgb.LGBMClassifier(n_estimators=40, verbose=-1).fit(X, y)
    train = df.iloc[:3000][["income", "credit_score", "days_in_collections", "default"]]
    test = df.iloc[3000:][["income", "credit_score", "days_in_collections", "default"]].copy()
    test["default"] = (test["default"] == "yes").astype(int)
    train = train.assign(default=(train["default"] == "yes").astype(int))
    r = leakhound.audit(pl.from_pandas(train), target="default", test=pl.from_pandas(test), model=model)
    u = r.user_model
    assert u["evaluated_on"] == "the test file"
    assert u["importance"][0]["feature"] == "days_in_collections"


def test_report_conveniences(tmp_path):
    r = leakhound.audit(loans(1500), target="default", random_state=3)
    d = r.to_dict()
    assert d == json.loads(r.to_json())
    assert d["schema_version"] == 1 and d["settings"]["seed"] == 3
    assert r.worst_severity in HIGH
    assert r.verdict.startswith("1 likely leak")
    findings = r.findings
    assert list(findings.columns)[:4] == ["feature", "features", "kind", "severity"]
    assert "days_in_collections" in set(r.features["name"])
    written = r.save(tmp_path / "out")
    names = {p.name for p in written}
    assert {"report.json", "report.md", "report.html"} <= names
    assert any(n.endswith(".png") for n in names)
    assert json.loads((tmp_path / "out" / "report.json").read_text())["findings"] == d["findings"]
    page = r._repr_html_()
    assert page.startswith('<div class="leakhound-report">') and "days_in_collections" in page
    assert "<iframe" not in page and "data:image/png;base64," in page
    with pytest.raises(leakhound.LeakageError) as e:
        r.raise_for("high")
    assert "days_in_collections" in str(e.value) and e.value.findings
    if r.worst_severity != "critical":
        r.raise_for("critical")  # nothing at that level: no exception
    assert leakhound.Report.load(tmp_path / "out").to_dict()["findings"] == d["findings"]
    assert "leak" in str(r)


def test_compare_reports_and_paths(tmp_path):
    df = loans(1500)
    old = leakhound.audit(df.drop(columns="days_in_collections"), target="default")
    new = leakhound.audit(df, target="default")
    c = leakhound.compare(old, new)
    kinds = {(f["kind"], f["feature"]) for f in c.to_dict()["findings"]}
    assert ("new_leak", "days_in_collections") in kinds
    with pytest.raises(leakhound.LeakageError):
        c.raise_for("high")
    old.save(tmp_path / "v1", plots=[])
    new.save(tmp_path / "v2", plots=[])
    c2 = leakhound.compare(tmp_path / "v1" / "report.json", tmp_path / "v2" / "report.json")
    assert c2.to_dict()["findings"] == c.to_dict()["findings"]
    assert {p.name for p in c.save(tmp_path / "cmp")} >= {"comparison.json", "comparison.md"}


def test_bad_input_raises_value_errors_with_the_cli_messages(tmp_path):
    df = loans(300)
    with pytest.raises(KeyError, match="unknown column 'defualt' given to `target` .*did you mean 'default'"):
        leakhound.audit(df, target="defualt")
    with pytest.raises(ValueError, match="no rows"):
        leakhound.audit(df.iloc[:0], target="default")
    with pytest.raises(ValueError, match="neither predict_proba nor predict"):
        leakhound.audit(df, target="default", model=object())
    with pytest.raises(ValueError, match="invalid setting `repeats`"):
        leakhound.audit(df, target="default", repeats=0)
    with pytest.raises(ValueError, match="unknown threshold 'nope'"):
        leakhound.audit(df, target="default", thresholds={"nope": 0.5})
    with pytest.raises(ValueError, match="expected a pandas or polars DataFrame"):
        leakhound.audit([1, 2, 3], target="default")
    with pytest.raises(FileNotFoundError, match="no such file"):
        leakhound.audit(tmp_path / "missing.csv", target="y")
    with pytest.raises(ValueError, match="is missing in every row|only one value|one class"):
        leakhound.audit(df.assign(default="no"), target="default")


def test_a_model_that_fails_is_reported_not_a_crash():
    class Broken:
        classes_ = np.array(["no", "yes"])

        def predict_proba(self, X):
            raise RuntimeError("boom")

    with pytest.raises(ValueError, match="calling the model raised RuntimeError: boom"):
        leakhound.audit(loans(300), target="default", model=Broken())


def test_the_command_is_installed():
    exe = Path(sys.executable).parent / ("leakhound.exe" if os.name == "nt" else "leakhound")
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"leakhound {leakhound.__version__}"
    bad = subprocess.run([str(exe), "audit", "missing.csv", "--target", "y"], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("leakhound: error: ")


def test_an_interrupt_stops_the_audit_promptly():
    """Ctrl-C reaches Python while the audit runs (here a handler that raises its own
    exception, so pytest's own Ctrl-C handling is not involved)."""
    import signal
    import threading
    import time

    class Stop(Exception):
        pass

    def handler(signum, frame):
        raise Stop()

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(200_000, 20)), columns=[f"x{i}" for i in range(20)])
    df["y"] = (df.x0 + rng.normal(size=len(df)) > 0).astype(int)
    previous = signal.signal(signal.SIGINT, handler)
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    try:
        timer.start()
        t = time.monotonic()
        with pytest.raises(Stop):
            leakhound.audit(df, target="y")
        assert time.monotonic() - t < 2.0
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)


def test_exported_model_files_from_a_notebook():
    """A path as ``model``: the skl2onnx pipeline is fed the DataFrame's raw string columns, and
    the CatBoost model trained with the post-outcome columns is caught leaning on them."""
    titanic = pd.read_csv(REPO / "models" / "data" / "titanic.csv")
    r = leakhound.audit(titanic, "survived", model=REPO / "models" / "sklearn_pipeline_onehot_binary.onnx")
    u = r.to_dict()["user_model"]
    assert u["format"] == "onnx"
    shares = {i["feature"]: i["importance_share"] for i in u["importance"]}
    assert shares["sex"] > 0.3
    assert not [f for f in r.to_dict()["findings"] if f["kind"] == "model_relies_on_leak"]
    leaky = leakhound.audit(
        pd.read_csv(CREDIT), "card", model=str(REPO / "models" / "catboost_binary_leaky.json")
    )
    relied = [f for f in leaky.to_dict()["findings"] if f["kind"] == "model_relies_on_leak"]
    assert relied and "expenditure" in relied[0]["features"]
    with pytest.raises(ValueError, match="unsupported operator Erf"):
        leakhound.audit(titanic, "survived", model=REPO / "tests" / "data" / "unsupported_op.onnx")


def test_model_versions_compare_and_make_a_timeline(tmp_path):
    """Three versions of the credit card model (XGBoost, LightGBM, then LightGBM without the
    post-outcome columns): the models' own scores and reliance, pairwise and over time."""
    cards = pd.read_csv(CREDIT)
    files = ["xgboost_creditcard_v1.json", "lightgbm_creditcard_v2.txt", "lightgbm_creditcard_v3.txt"]
    reports = [leakhound.audit(cards, "card", model=REPO / "models" / f) for f in files]
    c = leakhound.compare(reports[0], reports[1])
    assert c.changed["summary"] == "model"
    assert c.reliance["status"] in ("still relies", "rising")
    assert [f["kind"] for f in c.to_dict()["findings"]] in (["still_relies_on_leak"], ["reliance_rise"])
    assert "model_share_new" in list(c.features.columns)
    assert c.to_html().startswith("<!DOCTYPE html>")
    rise = leakhound.compare(
        leakhound.audit(cards, "card", model=REPO / "models" / "sklearn_pipeline_mlp_leaky_binary.onnx"),
        reports[0],
    )
    with pytest.raises(leakhound.LeakageError, match="reliance_rise"):
        rise.raise_for("reliance_rise,new_leak")
    rise.raise_for("new_leak")
    with pytest.raises(ValueError, match="comparison finding"):
        rise.raise_for("leaky")
    t = leakhound.compare(reports)
    assert isinstance(t, leakhound.Timeline)
    assert leakhound.compare(r for r in reports).to_dict() == t.to_dict(), "a generator of versions"
    v = t.versions
    assert list(v["format"]) == ["xgboost_json", "lightgbm_text", "lightgbm_text"]
    assert v["leak_reliance"].iloc[0] > 0.5 and v["leak_reliance"].iloc[2] == 0.0
    assert list(t.features.columns)[:4] == ["feature", "v1", "v2", "v3"]
    assert [f["kind"] for f in t.to_dict()["findings"]] == ["resolved"]
    t.raise_for("high")  # the newest version no longer relies on the leaks
    assert len(t.steps) == 2
    assert t.png()[:4] == b"\x89PNG"
    assert {p.name for p in t.save(tmp_path / "tl")} == {
        "timeline.json", "timeline.md", "timeline.html", "timeline.png"
    }
    with pytest.raises(ValueError, match="at least 2"):
        leakhound.compare(reports[:1])


# --- The way data scientists already work --------------------------------------------------


def credit_split():
    from sklearn.model_selection import train_test_split

    df = pd.read_csv(CREDIT)
    X, y = df.drop(columns="card"), df["card"]
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


def numeric_pipeline(X, y):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(random_state=0, max_iter=60).fit(X, y)


def test_x_and_y_from_train_test_split_in_pandas_polars_and_numpy():
    pytest.importorskip("sklearn")
    pl = pytest.importorskip("polars")
    X_train, X_test, y_train, y_test = credit_split()
    num = [c for c in X_train.columns if X_train[c].dtype.kind in "if"]
    X_train, X_test = X_train[num], X_test[num]
    model = numeric_pipeline(X_train, y_train)
    # pandas: the model is called on pandas frames, the target named after the Series.
    r = leakhound.audit(X_train, y_train, model=model, test=(X_test, y_test))
    assert "expenditure" in flagged(r)
    u = r.user_model
    assert u["evaluated_on"] == "the test file" and u["importance"][0]["feature"] == "expenditure"
    assert r.to_dict()["dataset"]["target"] == "card"
    assert any(f["kind"] == "model_relies_on_leak" for f in r.to_dict()["findings"])
    # polars: the model is called on polars frames (a wrapper records what it got).
    seen = set()

    class Recording:
        classes_ = model.classes_

        def predict_proba(self, X):
            seen.add(type(X).__module__.split(".")[0])
            return model.predict_proba(X.to_pandas())

    r = leakhound.audit(
        pl.from_pandas(X_train), pl.from_pandas(y_train), model=Recording(),
        test=(pl.from_pandas(X_test), pl.from_pandas(y_test)),
    )
    assert seen == {"polars"} and "expenditure" in flagged(r)
    assert type(r.findings).__module__.startswith("polars"), "polars in, polars out"
    assert type(r.to_pandas()).__module__.startswith("pandas")
    assert isinstance(r.findings["evidence"][0], dict)
    # numpy: columns named by feature_names, the model fitted on arrays is fed arrays.
    npm = numeric_pipeline(X_train.to_numpy(), y_train.to_numpy())
    r = leakhound.audit(
        X_train.to_numpy(), y_train.to_numpy(), target="card", feature_names=num, model=npm,
        test=(X_test.to_numpy(), y_test.to_numpy()),
    )
    assert "expenditure" in flagged(r)
    assert r.user_model["importance"][0]["feature"] == "expenditure"
    assert r.user_model["features_matched_by"] == "the `model_features` setting"
    unnamed = leakhound.audit(X_train.to_numpy(), y_train.to_numpy())
    assert f"x{num.index('expenditure')}" in flagged(unnamed)
    assert unnamed.to_dict()["dataset"]["path"] == "numpy array"


def test_options_follow_the_definitions_and_unknown_keywords_are_type_errors():
    import inspect

    params = inspect.signature(leakhound.audit).parameters
    for o in leakhound.OPTIONS:
        if o["python"] is None:
            continue
        assert o["python"] in params, f"audit() lacks {o['python']}"
        p = params[o["python"]]
        assert p.kind is inspect.Parameter.KEYWORD_ONLY and p.annotation is not inspect.Parameter.empty
        for alias in o["aliases"]:
            assert alias not in params
    known = {o["python"] for o in leakhound.OPTIONS if o["python"]}
    own = {"data", "y", "feature_names", "legacy"}
    assert set(params) - own == known, "the signature has an option the definitions lack"
    assert params["random_state"].default == 42
    df = loans(400)
    with pytest.raises(TypeError, match="unexpected keyword argument 'time_column'.*'time_col'"):
        leakhound.audit(df, target="default", time_column="applied_at")
    with pytest.warns(DeprecationWarning, match="'seed' is now 'random_state'"):
        r = leakhound.audit(df, target="default", seed=5, threads=1)
    assert r.to_dict()["settings"]["seed"] == 5
    with pytest.warns(DeprecationWarning, match="thresholds="):
        r = leakhound.audit(df, target="default", near_perfect_power=0.97)
    assert r.to_dict()["settings"]["thresholds"]["near_perfect_power"] == 0.97
    r = leakhound.audit(df, target="default", thresholds={"near_perfect_power": 0.96}, n_jobs=1)
    assert r.to_dict()["settings"]["thresholds"]["near_perfect_power"] == 0.96
    with pytest.raises(leakhound.SettingError, match="`n_jobs`"):
        leakhound.audit(df, target="default", n_jobs=0)
    with pytest.raises(TypeError):
        leakhound.compare("a.json", "b.json", tresholds={})


def test_errors_are_leakhound_errors_and_the_builtins_users_catch(tmp_path):
    df = loans(300)
    with pytest.raises(leakhound.ColumnNotFoundError) as e:
        leakhound.audit(df, target="outcome")
    assert isinstance(e.value, KeyError) and isinstance(e.value, leakhound.LeakhoundError)
    assert "--" not in str(e.value) and str(e.value).startswith("unknown column 'outcome'")
    with pytest.raises(leakhound.ColumnNotFoundError):
        leakhound.audit(df, target="default", time_col="when")
    with pytest.raises(leakhound.SettingError) as e:
        leakhound.audit(df, target="default", folds=1)
    assert isinstance(e.value, ValueError) and "`folds`" in str(e.value) and "--" not in str(e.value)
    with pytest.raises(leakhound.SettingError, match="`random_state`"):
        leakhound.audit(df, target="default", random_state=-1)
    with pytest.raises(leakhound.MissingFileError) as e:
        leakhound.audit(tmp_path / "nope.csv", target="y")
    assert isinstance(e.value, FileNotFoundError)
    with pytest.raises(leakhound.ModelError):
        leakhound.audit(df, target="default", model=REPO / "tests" / "data" / "unsupported_op.onnx")
    with pytest.raises(leakhound.DataError):
        leakhound.audit(df.assign(default="no"), target="default")
    with pytest.raises(leakhound.LeakageError) as e:
        leakhound.audit(df, target="default").raise_for("high")
    assert isinstance(e.value, leakhound.LeakhoundError)


def test_the_notebook_view_renders_once_and_offers_html_and_json():
    r = leakhound.audit(loans(800), target="default")

    class Counting:
        """The native report, counting its HTML renders."""

        def __init__(self, native):
            self.native, self.renders = native, 0

        def html(self, *a):
            self.renders += 1
            return self.native.html(*a)

        def __getattr__(self, name):
            return getattr(self.native, name)

    r._native = Counting(r._native)
    bundle = r._repr_mimebundle_()
    assert set(bundle) >= {"text/html", "application/json"}
    assert bundle["application/json"]["verdict"] == r.to_dict()["verdict"]
    assert "days_in_collections" in bundle["text/html"] and "<iframe" not in bundle["text/html"]
    r._repr_mimebundle_()
    r._repr_html_()
    assert r._native.renders == 1, "a second display re-rendered the plots"


def test_a_comparison_has_a_real_html_view():
    df = loans(800)
    c = leakhound.compare(
        leakhound.audit(df.drop(columns="days_in_collections"), target="default"),
        leakhound.audit(df, target="default"),
    )
    page = c._repr_html_()
    assert page.startswith('<div class="leakhound-comparison">') and "<pre>" not in page[:200]
    assert "days_in_collections" in page
    assert set(c._repr_mimebundle_()) >= {"text/html", "application/json"}


def test_the_model_score_is_the_users_choice_and_classes_match_by_value():
    pytest.importorskip("sklearn")
    from sklearn.linear_model import LogisticRegression, LinearRegression

    df = loans(1500)
    X = df[["income", "credit_score", "days_in_collections"]]
    y = (df["default"] == "yes").astype(int)  # 0/1 labels: the data's classes are "0"/"1"
    model = LogisticRegression(max_iter=500).fit(X, y)
    r = leakhound.audit(X, y.rename("default"), model=model, scoring="roc_auc")
    u = r.user_model
    assert u["scoring"] == "roc_auc" and u["importance"][0]["feature"] == "days_in_collections"
    assert leakhound.audit(X, y.rename("default"), model=model).user_model["scoring"] == "skill"
    # Booleans: the model's classes are True/False, matched to the data's values.
    yb = y.astype(bool).rename("default")
    rb = leakhound.audit(X, yb, model=LogisticRegression(max_iter=500).fit(X, yb))
    assert rb.user_model["importance"][0]["feature"] == "days_in_collections"
    with pytest.raises(leakhound.SettingError, match="`scoring`.*does not score this target"):
        Xr = X[["credit_score", "days_in_collections"]]
        leakhound.audit(Xr, df["income"], model=LinearRegression().fit(Xr, df["income"]), scoring="roc_auc")
    with pytest.raises(leakhound.SettingError, match="`scoring`"):
        leakhound.audit(X, y.rename("default"), scoring="roc_auc")
