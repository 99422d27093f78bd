"""leakhound: audit tabular machine-learning data, and the models trained on it, for
information leakage, from a notebook.

>>> import leakhound
>>> report = leakhound.audit(df, target="churned")           # pandas, polars, pyarrow or a path
>>> report.verdict
'1 likely leak: refund_amount'
>>> leakhound.audit(df, target="churned", model=pipeline)    # and your fitted model
>>> report.raise_for("high")                                 # fail a test or a pipeline

The audit runs in Rust (the same engine as the ``leakhound`` command, installed with this
package) with the interpreter released, except while it calls your model; Ctrl-C stops it.
"""

import os
from typing import Any, Dict, Iterable, Optional, Sequence, Tuple, Union

from . import _leakhound
from ._leakhound import __version__
from ._report import Comparison, LeakageError, Report, Timeline

__all__ = [
    "audit", "compare", "Report", "Comparison", "Timeline", "LeakageError", "__version__"
]

PathLike = Union[str, "os.PathLike[str]"]


def _module(obj: Any) -> str:
    return type(obj).__module__.split(".")[0]


def _arrow(obj: Any, name: str) -> Tuple[Any, str]:
    """``obj`` as something the Rust side reads (a path, or an object with
    ``__arrow_c_stream__``), and the kind of frame a model is called with."""
    if isinstance(obj, (str, os.PathLike)):
        return os.fspath(obj), "path"
    mod = _module(obj)
    if mod == "pandas":
        import pyarrow as pa

        df = obj
        if not all(isinstance(c, str) for c in df.columns):
            df = df.rename(columns=str)
        try:
            return pa.Table.from_pandas(df, preserve_index=False), "pandas"
        except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
            raise ValueError(f"{name}: the DataFrame cannot be converted to Arrow ({e})") from e
    if mod == "polars":
        return (obj if hasattr(obj, "__arrow_c_stream__") else obj.to_arrow()), "polars"
    if hasattr(obj, "__arrow_c_stream__"):
        import pyarrow as pa

        # Materialised once: a stream can be read only once, and a model is called on it again.
        return pa.table(obj), "pyarrow"
    raise ValueError(
        f"{name}: expected a pandas or polars DataFrame, a pyarrow Table, an object with "
        f"__arrow_c_stream__, or a path; got {type(obj).__name__}"
    )


def _read_for_model(path: str) -> Any:
    import pandas as pd

    lower = path.lower()
    if lower.endswith((".parquet", ".pq")):
        return pd.read_parquet(path)
    return pd.read_csv(path, sep=None, engine="python") if lower.endswith(".txt") else pd.read_csv(
        path, sep="\t" if ".tsv" in lower else ","
    )


def audit(
    data: Any,
    target: str,
    *,
    test: Any = None,
    task: str = "auto",
    time_col: Optional[str] = None,
    group_col: Optional[str] = None,
    id_cols: Optional[Iterable[str]] = None,
    ignore: Optional[Iterable[str]] = None,
    allow: Optional[Iterable[str]] = None,
    model: Any = None,
    model_features: Optional[Iterable[str]] = None,
    seed: int = 42,
    max_rows: Optional[int] = None,
    threads: Optional[int] = None,
    split_col: Optional[str] = None,
    folds: Optional[int] = None,
    repeats: Optional[int] = None,
    peel: bool = True,
    surrogate: Optional[str] = None,
    dup_tolerance: Optional[float] = None,
    **thresholds: float,
) -> Report:
    """Audit ``data`` for leakage into ``target`` and return the :class:`Report`.

    ``data`` and ``test``: a pandas or polars DataFrame, a pyarrow Table, any object with
    ``__arrow_c_stream__``, or a path (CSV, TSV, gzip, Parquet). Frames cross into Rust
    through Arrow, keeping categoricals, nullable dtypes, datetimes and strings.

    ``model``: your fitted model, any object with ``predict_proba`` (classification) or
    ``predict`` (regression), e.g. a scikit-learn ``Pipeline`` or an XGBoost/LightGBM sklearn
    model. It is called in batches with a frame of the same kind and columns as ``data``
    (``test`` when given) to measure its permutation importance; the report's ``user_model``
    section says which numbers came from it. Or the path of an exported model file (ONNX,
    CatBoost or XGBoost JSON, XGBoost UBJSON, LightGBM text), read and evaluated by leakhound
    as ``--model-file`` is; ``model_features`` names its inputs when the file stores none.

    ``task``: auto, binary, multiclass or regression. ``time_col``, ``group_col``, ``id_cols``,
    ``ignore``, ``allow``, ``split_col``: the roles of columns, as on the command line.
    ``seed``, ``max_rows``, ``threads``, ``folds``, ``repeats``, ``peel``, ``surrogate`` (gbm,
    tree or forest) and ``dup_tolerance``: as the command line's options of the same names
    (the README's table of options). ``thresholds``: detection thresholds by name
    (``near_perfect_power=0.97``).

    Bad input raises ``ValueError`` (a missing file ``FileNotFoundError``) with the command
    line's one-line message.
    """
    if not isinstance(target, str):
        raise ValueError(f"target: expected a column name, got {type(target).__name__}")
    frame, kind = _arrow(data, "data")
    test_frame, test_kind = (None, None) if test is None else _arrow(test, "test")
    model_frame, model_kind, model_file = None, None, None
    if isinstance(model, (str, os.PathLike)):
        model_file, model = os.fspath(model), None
    if model is not None:
        if not (hasattr(model, "predict_proba") or hasattr(model, "predict")):
            raise ValueError(
                f"model: {type(model).__name__} has neither predict_proba nor predict; pass a fitted model"
            )
        # The model is called on the rows it is evaluated on: the test data, else the data.
        src, src_kind = (test, test_kind) if test is not None else (data, kind)
        if src_kind == "path":
            src = _read_for_model(os.fspath(src))
            src_kind = "pandas"
            if test is None:
                frame, kind = _arrow(src, "data")
            else:
                test_frame, test_kind = _arrow(src, "test")
        elif src_kind == "pyarrow":
            src = test_frame if test is not None else frame
        model_frame, model_kind = src, src_kind
    name = os.fspath(data) if isinstance(data, (str, os.PathLike)) else f"{kind} DataFrame"
    native = _leakhound.audit(
        frame,
        target,
        test=test_frame,
        task=task,
        time_col=time_col,
        group_col=group_col,
        id_cols=list(id_cols or []),
        ignore=list(ignore or []),
        allow=list(allow or []),
        split_col=split_col,
        model=model,
        model_frame=model_frame,
        model_kind=model_kind,
        model_file=model_file,
        model_features=list(model_features or []),
        seed=seed,
        max_rows=max_rows,
        threads=threads,
        folds=folds,
        repeats=repeats,
        peel=peel,
        surrogate=surrogate,
        dup_tolerance=dup_tolerance,
        thresholds=dict(thresholds) if thresholds else None,
        name=name if kind != "path" else None,
        test_name=None if test is None or test_kind == "path" else f"{test_kind} DataFrame",
    )
    return Report(native)


def compare(
    old: Union[Report, PathLike, Sequence[Union[Report, PathLike]]],
    new: Optional[Union[Report, PathLike]] = None,
    **thresholds: float,
) -> Union[Comparison, Timeline]:
    """Compare model versions: :class:`Report` objects or paths to ``report.json`` files (or
    ``feature,importance`` CSV tables).

    ``compare(old, new)`` gives a :class:`Comparison`; ``compare([v1, v2, v3, ...])`` (oldest
    first) a :class:`Timeline`. When the reports audited your model (``model=`` or
    ``model_file=``), its own scores and importances are compared and its reliance on features
    flagged as leaks is followed. Findings: new_leak, importance_jump, metric_jump, resolved,
    still_relies_on_leak, reliance_rise."""

    def native(x: Any, name: str) -> Any:
        if isinstance(x, Report):
            return x._native
        if isinstance(x, (str, os.PathLike)):
            return os.fspath(x)
        raise ValueError(f"{name}: expected a Report or a path, got {type(x).__name__}")

    limits = dict(thresholds) if thresholds else None
    if new is None:
        if isinstance(old, (Report, str, os.PathLike)):
            raise ValueError("compare: give two versions (old, new) or a list of versions")
        versions = list(old)
        if len(versions) < 2:
            raise ValueError(f"compare: a timeline needs at least 2 versions, got {len(versions)}")
        return Timeline(
            _leakhound.compare_versions(
                [native(v, f"v{i + 1}") for i, v in enumerate(versions)], limits
            )
        )
    return Comparison(
        _leakhound.compare_reports(
            native(old, "old"), native(new, "new"), limits
        )
    )
