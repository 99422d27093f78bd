"""leakhound: audit tabular machine-learning data, and the models trained on it, for
information leakage, from a notebook.

>>> import leakhound
>>> report = leakhound.audit(df, target="churned")           # pandas, polars, pyarrow or a path
>>> report = leakhound.audit(X_train, y_train, model=pipe, test=(X_test, y_test))
>>> report.verdict
'1 likely leak: refund_amount'
>>> report.raise_for("high")                                 # fail a test or a pipeline

The audit runs in Rust (the same engine as the ``leakhound`` command, installed with this
package) with the interpreter released, except while it calls your model; Ctrl-C stops it.
"""

import difflib
import os
import warnings
from typing import Any, Dict, Iterable, Mapping, Optional, Sequence, Union

from . import _leakhound, _spark
from ._errors import (
    ColumnNotFoundError,
    DataError,
    LeakageError,
    LeakhoundError,
    MissingFileError,
    ModelError,
    OutputError,
    SettingError,
)
from ._inputs import Inputs
from ._leakhound import __version__
from ._report import Comparison, Report, Timeline

__all__ = [
    "audit", "compare", "Report", "Comparison", "Timeline", "LeakhoundError", "LeakageError",
    "SettingError", "ColumnNotFoundError", "DataError", "ModelError", "MissingFileError",
    "OutputError", "OPTIONS", "__version__",
]

PathLike = Union[str, "os.PathLike[str]"]

#: Every option of an audit, as the engine defines it: its library ``name``, its Python keyword
#: (``python``), older keywords still taken (``aliases``), its command-line flag, default and doc.
OPTIONS = _leakhound.options()
_THRESHOLDS = frozenset(_leakhound.threshold_names())
_BY_KEYWORD = {o["python"]: o["name"] for o in OPTIONS if o["python"]}
_ALIASES = {a: o["python"] for o in OPTIONS for a in o["aliases"]}


def _unexpected(function: str, name: str, known: Iterable[str]) -> TypeError:
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return TypeError(f"{function}() got an unexpected keyword argument '{name}'{hint}")


def audit(
    data: Any,
    y: Any = None,
    *,
    target: Optional[str] = None,
    test: Any = None,
    feature_names: Optional[Sequence[str]] = None,
    task: str = "auto",
    time_col: Optional[str] = None,
    group_col: Optional[str] = None,
    id_cols: Optional[Iterable[str]] = None,
    ignore: Optional[Iterable[str]] = None,
    allow: Optional[Iterable[str]] = None,
    split_col: Optional[str] = None,
    model: Any = None,
    model_features: Optional[Iterable[str]] = None,
    scoring: str = "skill",
    random_state: int = 42,
    max_rows: Optional[int] = None,
    n_jobs: Optional[int] = None,
    folds: Optional[int] = None,
    repeats: Optional[int] = None,
    peel: bool = True,
    surrogate: Optional[str] = None,
    dup_tolerance: Optional[float] = None,
    delimiter: Optional[str] = None,
    memory_limit: Optional[float] = None,
    sample_rows: Optional[int] = None,
    thresholds: Optional[Mapping[str, float]] = None,
    **legacy: Any,
) -> Report:
    """Audit data for leakage into its target and return the :class:`Report`.

    Two call forms:

    - ``audit(df, target="y")``: ``df`` holds the target column; a pandas or polars DataFrame, a
      pyarrow Table, any object with ``__arrow_c_stream__``, or a path (CSV, TSV, gzip,
      Parquet; read as the ``leakhound`` command reads it).
    - ``audit(X, y)``: features and target apart, as ``train_test_split`` gives them. ``X`` is a
      pandas or polars DataFrame, a pyarrow Table or a 2-D numpy array (columns named by
      ``feature_names``, else x0, x1, ...); ``y`` a Series, an array or a list. The target is
      named ``target``, else after the Series, else "target".

    ``test``: the test data, in the same form (``(X_test, y_test)`` for the second).

    ``model``: your fitted model, any object with ``predict_proba`` (classification) or
    ``predict`` (regression), e.g. a scikit-learn ``Pipeline``. It is called in batches on a
    frame of your own kind (pandas, polars, pyarrow or numpy) and columns, the test data when
    given, to measure its permutation importance, as the loss of ``scoring`` (``skill``, or a
    metric of the report: roc_auc, macro_auc, r2, accuracy, macro_f1, log_loss, mae). Or the
    path of an exported model file (ONNX, CatBoost or XGBoost JSON, XGBoost UBJSON, LightGBM
    text), read and evaluated by leakhound; ``model_features`` names its inputs when the file
    stores none.

    The other options are the README's table of options (``leakhound.OPTIONS``):
    ``task``, ``time_col``, ``group_col``, ``id_cols``, ``ignore``, ``allow``, ``split_col``,
    ``random_state``, ``max_rows``, ``n_jobs``, ``folds``, ``repeats``, ``peel``, ``surrogate``
    (gbm, tree or forest), ``dup_tolerance``, ``delimiter`` and ``memory_limit`` (for a path).
    ``thresholds``: detection thresholds by name, ``{"near_perfect_power": 0.97}``.

    A Spark DataFrame (extra ``spark``) with a Spark ``test``: the split checks are counted
    over every row on the cluster (repeated rows, shared groups, the test period against the
    training period), the rest runs on a seeded sample of ``sample_rows`` training rows
    (default 1,000,000; the test rows at the same rate) that alone reaches the driver, as
    Arrow. The report's ``engine`` says which is which.

    ``seed`` and ``threads`` still work for ``random_state`` and ``n_jobs``, and thresholds as
    keywords for ``thresholds``, with a ``DeprecationWarning``; any other keyword is a
    ``TypeError``.

    Errors derive from :class:`LeakhoundError` and the builtin you would catch: a missing column
    is a :class:`ColumnNotFoundError` (a ``KeyError``), a bad option a :class:`SettingError`
    (a ``ValueError``), bad data a :class:`DataError`, a model that cannot be read or called a
    :class:`ModelError`, a missing file a :class:`MissingFileError` (a ``FileNotFoundError``).
    """
    given: Dict[str, Any] = dict(
        task=task, time_col=time_col, group_col=group_col, id_cols=id_cols, ignore=ignore,
        allow=allow, split_col=split_col, model_features=model_features, scoring=scoring,
        random_state=random_state, max_rows=max_rows, n_jobs=n_jobs, folds=folds,
        repeats=repeats, peel=peel, surrogate=surrogate, dup_tolerance=dup_tolerance,
        delimiter=delimiter, memory_limit=memory_limit,
    )
    limits: Dict[str, float] = dict(thresholds or {})
    for key, value in legacy.items():
        if key in _ALIASES:
            new = _ALIASES[key]
            warnings.warn(
                f"leakhound.audit: '{key}' is now '{new}'", DeprecationWarning, stacklevel=2
            )
            given[new] = value
        elif key in _THRESHOLDS:
            warnings.warn(
                f"leakhound.audit: give thresholds as thresholds={{'{key}': ...}}",
                DeprecationWarning,
                stacklevel=2,
            )
            limits[key] = value
        else:
            raise _unexpected("audit", key, list(_BY_KEYWORD) + ["target", "test", "feature_names"])
    if _spark.is_frame(data):
        return _audit_spark(data, y, target, test, model, model_file_of(model), given, limits, sample_rows)
    if sample_rows is not None:
        raise SettingError("invalid setting `sample_rows`: it sizes the sample of a Spark DataFrame")
    inputs = Inputs(data, y, target, test, feature_names)
    options = _options(given, limits)
    model_frame, model_kind, model_file = None, None, None
    if isinstance(model, (str, os.PathLike)):
        model_file, model = os.fspath(model), None
    if model is not None:
        if not (hasattr(model, "predict_proba") or hasattr(model, "predict")):
            raise ModelError(
                f"model: {type(model).__name__} has neither predict_proba nor predict; pass a fitted model"
            )
        model_frame, model_kind = inputs.model_frame()
        if inputs.feature_names is not None and "model_features" not in options:
            # A numpy X has no names for the model to store: its columns are the model's inputs.
            options["model_features"] = list(inputs.feature_names)
    elif scoring != "skill" and model_file is None:
        raise SettingError("invalid setting `scoring`: it scores your model; give model=")
    native = _leakhound.audit(
        inputs.data,
        inputs.target,
        test=inputs.test,
        options=options,
        model=model,
        model_frame=model_frame,
        model_kind=model_kind,
        model_file=model_file,
        name=inputs.name(),
        test_name=inputs.test_name(),
    )
    return Report(native, inputs.kind if inputs.kind != "path" else None)


def model_file_of(model: Any) -> Optional[str]:
    """The path of an exported model file given as ``model``, else None."""
    return os.fspath(model) if isinstance(model, (str, os.PathLike)) else None


def _options(given: Dict[str, Any], limits: Dict[str, float]) -> Dict[str, Any]:
    """The options by their library names, unset ones left out."""
    options: Dict[str, Any] = {}
    for keyword, value in given.items():
        if value is None:
            continue
        if keyword in ("id_cols", "ignore", "allow", "model_features") and not isinstance(value, str):
            value = list(value)
        options[_BY_KEYWORD[keyword]] = value
    if limits:
        options["thresholds"] = limits
    return options


def _audit_spark(
    data: Any,
    y: Any,
    target: Optional[str],
    test: Any,
    model: Any,
    model_file: Optional[str],
    given: Dict[str, Any],
    limits: Dict[str, float],
    sample_rows: Optional[int],
) -> Report:
    """``audit`` of a Spark DataFrame: the counts on the cluster, the models on the sample."""
    import json

    if y is not None or target is None:
        raise SettingError("invalid setting `target`: a Spark DataFrame holds its target; give target=")
    if model is not None and model_file is None:
        raise ModelError(
            "model: a Spark DataFrame's audit reads an exported model file (model='model.onnx'); "
            "audit a live model on a pandas sample"
        )
    options = _options(given, limits)
    train_sample, test_sample, exact, features = _spark.prepare(
        data, test, target, options, sample_rows
    )
    native = _leakhound.audit(
        train_sample,
        target,
        test=test_sample,
        options=options,
        model_file=model_file,
        name="spark DataFrame",
        test_name="spark test DataFrame",
        exact=json.dumps(exact),
        feature_counts=json.dumps(features),
    )
    return Report(native, "pyarrow")


def compare(
    old: Union[Report, PathLike, Sequence[Union[Report, PathLike]]],
    new: Optional[Union[Report, PathLike]] = None,
    *,
    thresholds: Optional[Mapping[str, float]] = None,
    **legacy: float,
) -> Union[Comparison, Timeline]:
    """Compare model versions: :class:`Report` objects or paths to ``report.json`` files (or
    ``feature,importance`` CSV tables).

    ``compare(old, new)`` gives a :class:`Comparison`; ``compare([v1, v2, v3, ...])`` (oldest
    first) a :class:`Timeline`. When the reports audited your model (``model=`` or
    ``model_file=``), its own scores and importances are compared and its reliance on features
    flagged as leaks is followed. Findings: new_leak, importance_jump, metric_jump, resolved,
    still_relies_on_leak, reliance_rise. ``thresholds``: by name, as for :func:`audit`; the
    tables (``features``, ``findings``) come back in the frame library of the first report
    given (pandas for paths)."""

    def native(x: Any, name: str) -> Any:
        if isinstance(x, Report):
            return x._native
        if isinstance(x, (str, os.PathLike)):
            return os.fspath(x)
        raise DataError(f"{name}: expected a Report or a path, got {type(x).__name__}")

    limits_all: Dict[str, float] = dict(thresholds or {})
    for key, value in legacy.items():
        if key not in _THRESHOLDS:
            raise _unexpected("compare", key, ["thresholds"])
        warnings.warn(
            f"leakhound.compare: give thresholds as thresholds={{'{key}': ...}}",
            DeprecationWarning,
            stacklevel=2,
        )
        limits_all[key] = value
    limits = limits_all or None
    if new is None and isinstance(old, (Report, str, os.PathLike)):
        raise SettingError("compare: give two versions (old, new) or a list of versions")
    # Read once: a generator of versions can be iterated only once.
    versions = [old, new] if new is not None else list(old)
    frames = next((r._library for r in versions if isinstance(r, Report)), None)
    if new is None:
        if len(versions) < 2:
            raise SettingError(f"compare: a timeline needs at least 2 versions, got {len(versions)}")
        return Timeline(
            _leakhound.compare_versions(
                [native(v, f"v{i + 1}") for i, v in enumerate(versions)], limits
            ),
            frames,
        )
    return Comparison(
        _leakhound.compare_reports(native(old, "old"), native(new, "new"), limits), frames
    )
