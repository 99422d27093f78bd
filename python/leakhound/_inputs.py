"""What ``audit`` is given, made into what the Rust engine reads: one table with the target in it
(a path, or an Arrow table), and the frame the user's model is called on, in the user's own
frame library.

Two call forms: ``audit(df, target="y")`` (the target a column of the frame or file) and
``audit(X, y)`` (features and target apart, as ``train_test_split`` gives them; X a pandas or
polars DataFrame, a pyarrow Table or a 2-D numpy array, y a Series, an array or a list).
"""

import os
from typing import Any, List, Optional, Sequence, Tuple

from ._errors import ColumnNotFoundError, DataError, SettingError


def library(obj: Any) -> str:
    """The frame library of ``obj``: pandas, polars, pyarrow, numpy or path."""
    if isinstance(obj, (str, os.PathLike)):
        return "path"
    mod = type(obj).__module__.split(".")[0]
    if mod in ("pandas", "polars", "pyarrow", "numpy"):
        return mod
    if hasattr(obj, "__arrow_c_stream__"):
        return "pyarrow"
    raise DataError(
        f"expected a pandas or polars DataFrame, a pyarrow Table, a numpy array, an object with "
        f"__arrow_c_stream__, or a path; got {type(obj).__name__}"
    )


def to_arrow(obj: Any, name: str, feature_names: Optional[Sequence[str]] = None) -> Any:
    """``obj`` (a frame or a 2-D array) as a pyarrow Table."""
    import pyarrow as pa

    kind = library(obj)
    if kind == "pandas":
        df = obj
        if not all(isinstance(c, str) for c in df.columns):
            df = df.rename(columns=str)
        try:
            return pa.Table.from_pandas(df, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
            raise DataError(f"{name}: the DataFrame cannot be converted to Arrow ({e})") from e
    if kind == "polars":
        return pa.table(obj) if hasattr(obj, "__arrow_c_stream__") else obj.to_arrow()
    if kind == "numpy":
        if obj.ndim != 2:
            raise DataError(f"{name}: expected a 2-D array (rows x features), got {obj.ndim}-D")
        names = numpy_names(obj, feature_names, name)
        return pa.table({n: obj[:, j] for j, n in enumerate(names)})
    if kind == "pyarrow":
        # Materialised once: a stream can be read only once, and a model is called on it again.
        return pa.table(obj)
    raise DataError(f"{name}: a path cannot be combined with a separate target")


def numpy_names(x: Any, feature_names: Optional[Sequence[str]], name: str) -> List[str]:
    """The column names of a 2-D array: ``feature_names``, or x0, x1, ..."""
    if feature_names is None:
        return [f"x{j}" for j in range(x.shape[1])]
    names = [str(n) for n in feature_names]
    if len(names) != x.shape[1]:
        raise SettingError(
            f"invalid setting `feature_names`: {len(names)} names for {x.shape[1]} columns of {name}"
        )
    return names


def target_array(y: Any, name: str) -> Any:
    """``y`` (a Series, an array, a list) as a pyarrow array."""
    import pyarrow as pa

    kind = type(y).__module__.split(".")[0]
    if kind == "pandas":
        return pa.Array.from_pandas(y)
    if kind == "polars":
        return y.to_arrow()
    try:
        import numpy as np

        arr = np.asarray(y)
        if arr.ndim != 1:
            arr = arr.reshape(-1) if arr.ndim == 2 and 1 in arr.shape else arr
        if arr.ndim != 1:
            raise DataError(f"{name}: expected one target value per row, got shape {arr.shape}")
        return pa.array(arr.tolist() if arr.dtype == object else arr)
    except (TypeError, ValueError) as e:
        raise DataError(f"{name}: cannot read the target ({e})") from e


def target_name(y: Any, given: Optional[str]) -> str:
    """The target's column name: ``target=``, else the Series' name, else "target"."""
    if given is not None:
        return given
    name = getattr(y, "name", None)
    return str(name) if isinstance(name, str) and name else "target"


def joined(x: Any, y: Any, target: str, name: str, feature_names: Optional[Sequence[str]]) -> Any:
    """Features ``x`` and target ``y`` as one pyarrow Table, the target last."""
    table = to_arrow(x, name, feature_names)
    if target in table.column_names:
        raise DataError(
            f"{name}: the features already have a column '{target}'; name the target otherwise "
            f"(target=)"
        )
    col = target_array(y, f"{name} target")
    if len(col) != table.num_rows:
        raise DataError(f"{name}: {table.num_rows} rows of features but {len(col)} target values")
    return table.append_column(target, col)


class Inputs:
    """The audit's data as the engine reads it, and what the model is called on."""

    def __init__(
        self,
        data: Any,
        y: Any,
        target: Optional[str],
        test: Any,
        feature_names: Optional[Sequence[str]],
    ):
        self.kind = library(data)
        if y is None or isinstance(y, str):
            # audit(df, "y") or audit(df, target="y").
            if isinstance(y, str):
                if target is not None and target != y:
                    raise SettingError(f"the target is given twice: '{y}' and target='{target}'")
                target = y
            if target is None:
                raise SettingError(
                    "name the target column (target='y'), or give the target apart: audit(X, y)"
                )
            if not isinstance(target, str):
                raise SettingError(
                    f"invalid setting `target`: expected a column name, got {type(target).__name__}"
                )
            self.separate = False
            self.target = target
            self.data = os.fspath(data) if self.kind == "path" else to_arrow(data, "data")
            self.features = data
        else:
            if self.kind == "path":
                raise DataError("data: a path holds its target; name it with target='y'")
            self.separate = True
            self.target = target_name(y, target)
            self.data = joined(data, y, self.target, "data", feature_names)
            self.features = data
        self.feature_names = (
            numpy_names(data, feature_names, "data") if self.kind == "numpy" else None
        )
        self.test = None
        self.test_kind = None
        self.test_features = None
        if test is not None:
            if isinstance(test, tuple):
                if len(test) != 2:
                    raise DataError("test: expected a test frame or a pair (X_test, y_test)")
                x_test, y_test = test
                self.test_kind = library(x_test)
                self.test = joined(x_test, y_test, self.target, "test", feature_names)
                self.test_features = x_test
            else:
                self.test_kind = library(test)
                self.test = os.fspath(test) if self.test_kind == "path" else to_arrow(test, "test")
                self.test_features = test
            if self.test_kind != "path" and self.target not in self.test.column_names:
                raise ColumnNotFoundError(f"test: the target column '{self.target}' is not in the test data")

    def name(self) -> Optional[str]:
        """What the report calls the data (a path names itself)."""
        return None if self.kind == "path" else described(self.kind)

    def test_name(self) -> Optional[str]:
        return None if self.test is None or self.test_kind == "path" else described(self.test_kind)

    def model_frame(self) -> Tuple[Any, str]:
        """The frame the model is called on (the test data when given) and its library. A path
        is read once with pyarrow and handed to the model as pandas."""
        frame, kind = (
            (self.test_features, self.test_kind) if self.test is not None else (self.features, self.kind)
        )
        if kind == "path":
            import pyarrow as pa

            table = self.test if self.test is not None else self.data
            if isinstance(table, str):
                table = read_path(table)
                # The engine reads the same typed table the model is called on.
                if self.test is not None:
                    self.test = table
                else:
                    self.data = table
            return table.to_pandas(), "pandas"
        if kind == "numpy":
            return (frame, self.feature_names), "numpy"
        if kind == "pyarrow":
            return (self.test if self.test is not None else self.data), "pyarrow"
        return frame, kind


def described(kind: str) -> str:
    """What the report calls data of a frame library."""
    return "numpy array" if kind == "numpy" else f"{kind} DataFrame"


def read_path(path: str) -> Any:
    """A CSV, TSV or Parquet file as a pyarrow Table."""
    import pyarrow as pa

    lower = path.lower()
    if not os.path.exists(path):
        from ._errors import MissingFileError

        raise MissingFileError(f"{path}: no such file")
    if lower.endswith((".parquet", ".pq")):
        import pyarrow.parquet as pq

        return pq.read_table(path)
    import pyarrow.csv as csv

    delimiter = "\t" if ".tsv" in lower else ","
    return csv.read_csv(path, parse_options=csv.ParseOptions(delimiter=delimiter))
