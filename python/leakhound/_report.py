"""The Python faces of a report and a comparison: the ``report.json`` contract as a dict, its
findings and features as DataFrames, the report folder, inline display in Jupyter, and
``raise_for`` for pipelines and tests."""

import json
import os
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

from ._errors import LeakageError, SettingError
from ._leakhound import NativeComparison, NativeReport, NativeTimeline

SEVERITIES = ("low", "medium", "high", "critical")

__all__ = ["Report", "Comparison", "Timeline", "LeakageError"]


def _rank(severity: Optional[str]) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


def _pandas(rows: List[Dict[str, Any]], columns: Sequence[str]) -> Any:
    import pandas as pd

    return pd.DataFrame(rows, columns=list(columns))


def _polars(rows: List[Dict[str, Any]], columns: Sequence[str]) -> Any:
    import polars as pl

    # Evidence stays a dict: an object column, not a struct inferred from differing keys.
    data = {
        c: pl.Series(c, [r.get(c) for r in rows], dtype=pl.Object)
        if any(isinstance(r.get(c), (dict, list)) for r in rows)
        else pl.Series(c, [r.get(c) for r in rows], strict=False)
        for c in columns
    }
    return pl.DataFrame(data)


def _frame(rows: List[Dict[str, Any]], columns: Sequence[str], library: Optional[str]) -> Any:
    """A table in the frame library the data came in: polars in, polars out; pandas otherwise
    (pandas, pyarrow, numpy or a path in). Without pandas, polars; without either, the rows as
    dicts."""
    order = ["polars", "pandas"] if library == "polars" else ["pandas", "polars"]
    for lib in order:
        try:
            return _polars(rows, columns) if lib == "polars" else _pandas(rows, columns)
        except ImportError:
            continue
    return rows


def _scoped(page: str, scope: str) -> str:
    """A self-contained HTML page as a fragment for a notebook cell: its body in a ``div`` of
    class ``scope``, its CSS limited to that ``div`` (no iframe, no fixed height)."""
    css = re.search(r"<style>(.*?)</style>", page, re.S)
    body = re.search(r"<body>(.*)</body>", page, re.S)
    if not css or not body:
        return page

    def rule(m: "re.Match[str]") -> str:
        sels = []
        for sel in m.group(1).split(","):
            sel = sel.strip()
            sels.append(f".{scope}" if sel == "body" else f".{scope} {sel}")
        return ",".join(sels) + "{" + m.group(2) + "}"

    scoped = re.sub(r"([^{}]+)\{([^{}]*)\}", rule, css.group(1))
    return f'<div class="{scope}"><style>{scoped}</style>{body.group(1)}</div>'


COMPARISON_KINDS = (
    "new_leak", "importance_jump", "metric_jump", "resolved", "still_relies_on_leak",
    "reliance_rise",
)


def _as_rows(table: Any) -> Any:
    """(rows, columns) of a table in any of the forms ``_frame`` gives."""
    if isinstance(table, list):
        cols = list(table[0].keys()) if table else []
        return table, cols
    if type(table).__module__.startswith("polars"):
        return table.to_dicts(), table.columns
    return table.to_dict("records"), list(table.columns)


def _raise_for(findings: List[Dict[str, Any]], fail_on: str, what: str) -> None:
    if fail_on in SEVERITIES:
        hits = [f for f in findings if _rank(f["severity"]) >= _rank(fail_on)]
        gate = f"at or above '{fail_on}'"
    elif what in ("comparison", "timeline"):
        kinds = [k.strip() for k in fail_on.split(",")]
        unknown = [k for k in kinds if k not in COMPARISON_KINDS]
        if unknown:
            raise SettingError(
                f"fail_on: '{unknown[0]}' is not a severity ({', '.join(SEVERITIES)}) nor a "
                f"comparison finding ({', '.join(COMPARISON_KINDS)})"
            )
        hits = [f for f in findings if f["kind"] in kinds]
        gate = f"of kind {', '.join(kinds)}"
    else:
        raise SettingError(f"fail_on: '{fail_on}' is not one of {', '.join(SEVERITIES)}")
    if hits:
        lines = [
            f"  {f['severity'].upper()} {f['kind']} {f.get('feature') or '(dataset)'}: {f['message']}"
            for f in hits
        ]
        raise LeakageError(
            f"{len(hits)} {what} finding(s) {gate}:\n" + "\n".join(lines), hits
        )


class _Contract:
    """What a report and a comparison share: their JSON contract, findings and severity gate."""

    _what = "leakage"

    def __init__(self, native: Any, library: Optional[str] = None):
        self._native = native
        self._library = library
        self._dict: Optional[Dict[str, Any]] = None
        self._html: Optional[str] = None

    #: The tables ``to_pandas``/``to_polars`` take by name.
    _tables = ("findings",)

    def _rows(self, table: str) -> Any:
        if table not in self._tables:
            raise SettingError(
                f"invalid setting `table`: '{table}' is not one of {', '.join(self._tables)}"
            )
        return getattr(self, table)

    def to_pandas(self, table: str = "findings") -> Any:
        """A table (``findings`` by default) as a pandas DataFrame, whatever the input was."""
        rows = self._rows(table)
        return rows if type(rows).__module__.startswith("pandas") else _pandas(
            *_as_rows(rows)
        )

    def to_polars(self, table: str = "findings") -> Any:
        """A table (``findings`` by default) as a polars DataFrame, whatever the input was."""
        rows = self._rows(table)
        return rows if type(rows).__module__.startswith("polars") else _polars(
            *_as_rows(rows)
        )

    def _page(self) -> str:
        return self._native.html()

    def to_html(self) -> str:
        """The self-contained HTML page, rendered once (plots included) and kept."""
        if self._html is None:
            self._html = self._page()
        return self._html

    def _repr_html_(self) -> str:
        return _scoped(self.to_html(), "leakhound-report")

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Dict[str, Any]:
        """What a notebook shows: the HTML view (rendered once) and the JSON contract."""
        return {
            "text/html": self._repr_html_(),
            "application/json": self.to_dict(),
            "text/plain": repr(self),
        }

    def to_json(self) -> str:
        """The JSON text (``report.json``, ``comparison.json`` or ``timeline.json``)."""
        return self._native.json()

    def to_dict(self) -> Dict[str, Any]:
        """The JSON contract as a dict."""
        if self._dict is None:
            self._dict = json.loads(self._native.json())
        return self._dict

    @property
    def worst_severity(self) -> Optional[str]:
        """The most severe finding's severity, or None."""
        return self._native.max_severity()

    @property
    def findings(self) -> Any:
        """Findings, most severe first, in the frame library of the data (polars in, polars out;
        pandas otherwise); ``evidence`` is a dict."""
        return _frame(
            self.to_dict()["findings"],
            ["feature", "features", "kind", "severity", "message", "evidence"],
            self._library,
        )

    def raise_for(self, fail_on: str = "high") -> None:
        """Raise :class:`LeakageError` listing the findings at or above ``fail_on``; for a
        comparison or a timeline ``fail_on`` may also name finding kinds, comma-separated
        (``"reliance_rise,new_leak"``), as ``leakhound compare --fail-on`` does."""
        _raise_for(self.to_dict()["findings"], fail_on, self._what)


class Report(_Contract):
    """An audit report: everything ``leakhound audit`` writes, in memory.

    ``to_dict()`` is exactly ``report.json``; ``findings`` and ``features`` are DataFrames of
    the data's frame library (``to_pandas()``/``to_polars()`` to choose); ``save(dir)`` writes
    the report folder; in Jupyter the report displays inline (rendered once)."""

    _tables = ("findings", "features")

    def __init__(self, native: NativeReport, library: Optional[str] = None):
        super().__init__(native, library)

    @classmethod
    def load(cls, path: Union[str, "os.PathLike[str]"]) -> "Report":
        """A report read back from a ``report.json`` file (or its folder)."""
        p = Path(path)
        if p.is_dir():
            p = p / "report.json"
        return cls(NativeReport.from_json(p.read_text(encoding="utf-8")))

    @property
    def verdict(self) -> str:
        """The one-line conclusion: "No leak suspected" or "N likely leaks: a, b"."""
        return self.to_dict()["verdict"]["text"]

    @property
    def likely_leaks(self) -> List[str]:
        """Features (and dataset-level findings) the audit concludes are leaks."""
        return list(self.to_dict()["verdict"]["likely_leaks"])

    @property
    def features(self) -> Any:
        """One row per feature: type, single-feature power, importances, severity."""
        rows = []
        for f in self.to_dict()["features"]:
            perm = f.get("permutation_importance") or {}
            rows.append(
                {
                    "name": f["name"],
                    "type": f["type"],
                    "severity": f["severity"],
                    "single_feature_power": f["single_feature_power"]["power"],
                    "permutation_importance": perm.get("mean"),
                    "drop_column_importance": f["drop_column_importance"],
                    "importance_share": f["importance_share"],
                    "missing_fraction": f["missing_fraction"],
                }
            )
        return _frame(rows, list(rows[0].keys()) if rows else ["name"], self._library)

    @property
    def user_model(self) -> Optional[Dict[str, Any]]:
        """The section on your model (``model=``), or None."""
        return self.to_dict().get("user_model")

    def save(
        self, dir: Union[str, "os.PathLike[str]"], plots: Optional[Sequence[str]] = None
    ) -> List[Path]:
        """Write the report folder the CLI writes (PNG plots, ``report.md``, ``report.html``,
        ``report.json``); ``plots`` picks among importance, power, suspect, split, peeling."""
        return [Path(p) for p in self._native.save(os.fspath(dir), None if plots is None else list(plots))]

    def __str__(self) -> str:
        return self._native.terminal(False)

    def __repr__(self) -> str:
        d = self.to_dict()
        return f"<leakhound.Report {d['dataset']['target']!r}: {self.verdict}>"


class _Versions(_Contract):
    """What a comparison and a timeline share: their page (rendered once, with its picture),
    picture, folder, notebook view and terminal table. ``_what`` names the files
    (``comparison.*``, ``timeline.*``)."""

    def _page(self) -> str:
        return self._native.html(True)

    def to_html(self, plot: bool = True) -> str:
        """The self-contained page (``comparison.html``, ``timeline.html``): rendered once, with
        its picture; ``plot=False`` leaves the picture out."""
        return super().to_html() if plot else self._native.html(False)

    def png(self) -> bytes:
        """The picture (``comparison.png``: one bar pair per feature, old vs new;
        ``timeline.png``: score, reliance and the top features' shares over the versions)."""
        return bytes(self._native.png())

    def save(self, dir: Union[str, "os.PathLike[str]"], plot: bool = True) -> List[Path]:
        """Write the JSON, Markdown, HTML and (with ``plot``) PNG files."""
        return [Path(p) for p in self._native.save(os.fspath(dir), plot)]

    def _repr_html_(self) -> str:
        return _scoped(self.to_html(), f"leakhound-{self._what}")

    def __str__(self) -> str:
        return self._native.terminal()


class Comparison(_Versions):
    """Two versions side by side (``leakhound compare``): ``to_dict()`` is ``comparison.json``.
    When both reports audited your model, its own scores and importances are compared and its
    reliance on flagged features is followed (``reliance``). Findings: new_leak,
    importance_jump, metric_jump, resolved, still_relies_on_leak, reliance_rise."""

    _what = "comparison"
    _tables = ("findings", "features")

    def __init__(self, native: NativeComparison, library: Optional[str] = None):
        super().__init__(native, library)

    @property
    def features(self) -> Any:
        """One row per feature across both versions (the models' and the surrogate's shares)."""
        rows = self.to_dict()["features"]
        return _frame(rows, list(rows[0].keys()) if rows else ["name"], self._library)

    @property
    def reliance(self) -> Optional[Dict[str, Any]]:
        """The models' share of importance on flagged features, old -> new, with its status;
        None unless both reports audited a model."""
        return self.to_dict()["reliance"]

    @property
    def changed(self) -> Optional[Dict[str, Any]]:
        """Whether the data and the model changed, and why."""
        return self.to_dict()["changed"]

    def __repr__(self) -> str:
        n = len(self.to_dict()["findings"])
        return f"<leakhound.Comparison: {n} finding(s), worst {self.worst_severity}>"


class Timeline(_Versions):
    """Model versions over time (``leakhound compare r1 r2 r3``): ``to_dict()`` is
    ``timeline.json``. ``versions`` has one row per version (score, reliance on flagged
    features, what changed); ``features`` the top features' shares per version; ``findings``
    and ``raise_for`` are the newest version's against the one before; ``steps`` every pair."""

    _what = "timeline"
    _tables = ("findings", "versions", "features")

    def __init__(self, native: NativeTimeline, library: Optional[str] = None):
        super().__init__(native, library)

    @property
    def versions(self) -> Any:
        """One row per version, oldest first."""
        rows = [
            {
                "label": v["label"],
                "source": v["side"]["source"],
                "model": (v["side"]["model"] or {}).get("path"),
                "format": (v["side"]["model"] or {}).get("format"),
                "sha256": (v["side"]["model"] or {}).get("sha256"),
                "metric": v["metric"],
                "score": v["score"],
                "leak_reliance": v["leak_reliance"],
                "changed": (v["changed"] or {}).get("summary"),
                "max_severity": v["max_severity"],
            }
            for v in self.to_dict()["versions"]
        ]
        return _frame(rows, list(rows[0].keys()), self._library)

    @property
    def features(self) -> Any:
        """The top features' share of importance, one column per version."""
        d = self.to_dict()
        labels = [f"v{i + 1}" for i in range(len(d["versions"]))]
        rows = [dict(feature=f["name"], **dict(zip(labels, f["shares"]))) for f in d["features"]]
        return _frame(rows, ["feature"] + labels, self._library)

    @property
    def steps(self) -> List[Dict[str, Any]]:
        """Each version against the one before, as ``comparison.json`` dicts."""
        return self.to_dict()["steps"]

    def __repr__(self) -> str:
        return f"<leakhound.Timeline: {len(self.to_dict()['versions'])} versions, worst {self.worst_severity}>"
