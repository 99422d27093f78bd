from os import PathLike
from typing import Any, Dict, List, Optional

__version__: str

class NativeReport:
    def json(self) -> str: ...
    def terminal(self, color: bool = False) -> str: ...
    def html(self, plots: Optional[List[str]] = None) -> str: ...
    def save(self, dir: str, plots: Optional[List[str]] = None) -> List[str]: ...
    def max_severity(self) -> Optional[str]: ...
    @staticmethod
    def from_json(text: str) -> "NativeReport": ...

class NativeComparison:
    def json(self) -> str: ...
    def terminal(self) -> str: ...
    def markdown(self) -> str: ...
    def save(self, dir: str, plot: bool = True) -> List[str]: ...
    def max_severity(self) -> Optional[str]: ...

def audit(
    data: Any,
    target: str,
    *,
    test: Any = None,
    task: str = "auto",
    time_col: Optional[str] = None,
    group_col: Optional[str] = None,
    id_cols: List[str] = ...,
    ignore: List[str] = ...,
    allow: List[str] = ...,
    split_col: Optional[str] = None,
    model: Any = None,
    model_frame: Any = None,
    model_kind: Optional[str] = None,
    model_file: Optional[str] = None,
    model_features: List[str] = ...,
    seed: int = 42,
    max_rows: Optional[int] = None,
    threads: Optional[int] = None,
    folds: Optional[int] = None,
    repeats: Optional[int] = None,
    peel: bool = True,
    thresholds: Optional[Dict[str, float]] = None,
    name: Optional[str] = None,
    test_name: Optional[str] = None,
) -> NativeReport: ...
def compare_reports(old: Any, new: Any, thresholds: Optional[Dict[str, float]] = None) -> NativeComparison: ...
def main(argv: List[str]) -> int: ...
