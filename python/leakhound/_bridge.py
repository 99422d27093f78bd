"""Calls into the user's model, made from the Rust audit: slice the frame the user passed to the
evaluation rows (one column permuted for permutation importance), keep its kind and dtypes, and
return the predictions as float64 bytes."""

from typing import Any, List, Optional, Tuple

import numpy as np


def _take(frame: Any, kind: str, columns: List[str], rows: np.ndarray) -> Any:
    if kind == "numpy":
        array, names = frame
        return array[rows][:, [names.index(c) for c in columns]]
    if kind == "pandas":
        return frame[columns].iloc[rows].reset_index(drop=True)
    if kind == "polars":
        return frame.select(columns)[rows]
    return frame.select(columns).take(rows)


def _replace(
    sub: Any, frame: Any, kind: str, columns: List[str], column: str, rows: np.ndarray
) -> Any:
    if kind == "numpy":
        array, names = frame
        sub = sub.copy()
        sub[:, columns.index(column)] = array[rows, names.index(column)]
        return sub
    if kind == "pandas":
        sub = sub.copy()
        sub[column] = frame[column].iloc[rows].reset_index(drop=True)
        return sub
    if kind == "polars":
        return sub.with_columns(frame[column].gather(rows).alias(column))
    i = sub.schema.get_field_index(column)
    return sub.set_column(i, column, frame[column].take(rows))


def predict(
    model: Any,
    frame: Any,
    kind: str,
    columns: List[str],
    rows: bytes,
    permuted: Optional[str],
    order: Optional[bytes],
    proba: bool,
) -> Tuple[bytes, int]:
    """Predictions of ``model`` on ``rows`` of ``frame`` (its ``columns``), with column
    ``permuted`` taken from rows ``order`` instead; (float64 bytes, values per row)."""
    r = np.frombuffer(rows, dtype=np.int64)
    sub = _take(frame, kind, columns, r)
    if permuted is not None and order is not None:
        sub = _replace(sub, frame, kind, columns, permuted, np.frombuffer(order, dtype=np.int64))
    out = model.predict_proba(sub) if proba else model.predict(sub)
    out = np.ascontiguousarray(np.asarray(out, dtype=np.float64))
    width = 1 if out.ndim == 1 else out.shape[1]
    return out.tobytes(), width
