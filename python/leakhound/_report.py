"""The Python faces of a report and a comparison: the ``report.json`` contract as a dict, its
findings and features as DataFrames, the report folder, inline display in Jupyter, and
``raise_for`` for pipelines and tests."""

import html
import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

from ._leakhound import NativeComparison, NativeReport, NativeTimeline

SEVERITIES = ("low", "medium", "high", "critical")


class LeakageError(Exception):
    """Raised by :meth:`Report.raise_for` when a finding reaches the severity given; the
    findings are in :attr:`findings`."""

    def __init__(self, message: str, findings: List[Dict[str, Any]]):
        super().__init__(message)
        self.findings = findings


def _rank(severity: Optional[str]) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


def _frame(rows: List[Dict[str, Any]], columns: Sequence[str]) -> Any:
    try:
        import pandas as pd
    except ImportError:
        return rows
    return pd.DataFrame(rows, columns=list(columns))


COMPARISON_KINDS = (
    "new_leak", "importance_jump", "metric_jump", "resolved", "still_relies_on_leak",
    "reliance_rise",
)


def _raise_for(findings: List[Dict[str, Any]], fail_on: str, what: str) -> None:
    if fail_on in SEVERITIES:
        hits = [f for f in findings if _rank(f["severity"]) >= _rank(fail_on)]
        gate = f"at or above '{fail_on}'"
    elif what in ("comparison", "timeline"):
        kinds = [k.strip() for k in fail_on.split(",")]
        unknown = [k for k in kinds if k not in COMPARISON_KINDS]
        if unknown:
            raise ValueError(
                f"fail_on: '{unknown[0]}' is not a severity ({', '.join(SEVERITIES)}) nor a "
                f"comparison finding ({', '.join(COMPARISON_KINDS)})"
            )
        hits = [f for f in findings if f["kind"] in kinds]
        gate = f"of kind {', '.join(kinds)}"
    else:
        raise ValueError(f"fail_on: '{fail_on}' is not one of {', '.join(SEVERITIES)}")
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

    def __init__(self, native: Any):
        self._native = native
        self._dict: Optional[Dict[str, Any]] = None

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
        """Findings, most severe first (a DataFrame when pandas is installed)."""
        return _frame(
            self.to_dict()["findings"],
            ["feature", "features", "kind", "severity", "message", "evidence"],
        )

    def raise_for(self, fail_on: str = "high") -> None:
        """Raise :class:`LeakageError` listing the findings at or above ``fail_on``; for a
        comparison or a timeline ``fail_on`` may also name finding kinds, comma-separated
        (``"reliance_rise,new_leak"``), as ``leakhound compare --fail-on`` does."""
        _raise_for(self.to_dict()["findings"], fail_on, self._what)


class Report(_Contract):
    """An audit report: everything ``leakhound audit`` writes, in memory.

    ``to_dict()`` is exactly ``report.json``; ``findings`` and ``features`` are DataFrames when
    pandas is installed (lists of dicts otherwise); ``save(dir)`` writes the report folder;
    in Jupyter the report displays inline."""

    def __init__(self, native: NativeReport):
        super().__init__(native)

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
        return _frame(rows, list(rows[0].keys()) if rows else ["name"])

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

    def to_html(self) -> str:
        """The self-contained HTML report."""
        return self._native.html()

    def _repr_html_(self) -> str:
        # An iframe keeps the report's CSS and scripts out of the notebook's page.
        page = html.escape(self.to_html(), quote=True)
        return (
            '<iframe style="width:100%;height:720px;border:1px solid #ddd" '
            f'sandbox="allow-scripts" srcdoc="{page}"></iframe>'
        )

    def __str__(self) -> str:
        return self._native.terminal(False)

    def __repr__(self) -> str:
        d = self.to_dict()
        return f"<leakhound.Report {d['dataset']['target']!r}: {self.verdict}>"


class Comparison(_Contract):
    """Two versions side by side (``leakhound compare``): ``to_dict()`` is ``comparison.json``.
    When both reports audited your model, its own scores and importances are compared and its
    reliance on flagged features is followed (``reliance``). Findings: new_leak,
    importance_jump, metric_jump, resolved, still_relies_on_leak, reliance_rise."""

    _what = "comparison"

    def __init__(self, native: NativeComparison):
        super().__init__(native)

    @property
    def features(self) -> Any:
        """One row per feature across both versions (the models' and the surrogate's shares)."""
        rows = self.to_dict()["features"]
        return _frame(rows, list(rows[0].keys()) if rows else ["name"])

    @property
    def reliance(self) -> Optional[Dict[str, Any]]:
        """The models' share of importance on flagged features, old -> new, with its status;
        None unless both reports audited a model."""
        return self.to_dict()["reliance"]

    @property
    def changed(self) -> Optional[Dict[str, Any]]:
        """Whether the data and the model changed, and why."""
        return self.to_dict()["changed"]

    def to_html(self, plot: bool = True) -> str:
        """``comparison.html``: one self-contained page."""
        return self._native.html(plot)

    def png(self) -> bytes:
        """``comparison.png``: one bar pair per feature, old vs new."""
        return bytes(self._native.png())

    def save(self, dir: Union[str, "os.PathLike[str]"], plot: bool = True) -> List[Path]:
        """Write ``comparison.json``, ``comparison.md``, ``comparison.html`` and
        ``comparison.png``."""
        return [Path(p) for p in self._native.save(os.fspath(dir), plot)]

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self._native.terminal())}</pre>"

    def __str__(self) -> str:
        return self._native.terminal()


class Timeline(_Contract):
    """Model versions over time (``leakhound compare r1 r2 r3``): ``to_dict()`` is
    ``timeline.json``. ``versions`` has one row per version (score, reliance on flagged
    features, what changed); ``features`` the top features' shares per version; ``findings``
    and ``raise_for`` are the newest version's against the one before; ``steps`` every pair."""

    _what = "timeline"

    def __init__(self, native: NativeTimeline):
        super().__init__(native)

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
        return _frame(rows, list(rows[0].keys()))

    @property
    def features(self) -> Any:
        """The top features' share of importance, one column per version."""
        d = self.to_dict()
        labels = [f"v{i + 1}" for i in range(len(d["versions"]))]
        rows = [dict(feature=f["name"], **dict(zip(labels, f["shares"]))) for f in d["features"]]
        return _frame(rows, ["feature"] + labels)

    @property
    def steps(self) -> List[Dict[str, Any]]:
        """Each version against the one before, as ``comparison.json`` dicts."""
        return self.to_dict()["steps"]

    def to_html(self, plot: bool = True) -> str:
        """``timeline.html``: one self-contained page."""
        return self._native.html(plot)

    def png(self) -> bytes:
        """``timeline.png``: score, reliance and the top features' shares over the versions."""
        return bytes(self._native.png())

    def save(self, dir: Union[str, "os.PathLike[str]"], plot: bool = True) -> List[Path]:
        """Write ``timeline.json``, ``timeline.md``, ``timeline.html`` and ``timeline.png``."""
        return [Path(p) for p in self._native.save(os.fspath(dir), plot)]

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self._native.terminal())}</pre>"

    def __str__(self) -> str:
        return self._native.terminal()
