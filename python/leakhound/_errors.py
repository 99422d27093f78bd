"""leakhound's exceptions. Each derives from :class:`LeakhoundError` and from the builtin a
Python user already catches: a missing column is a ``KeyError``, a bad setting or unreadable
data a ``ValueError``, a missing file a ``FileNotFoundError``. Messages name the column or the
setting in the words of this package (``random_state``, ``id_cols``), never a command-line flag.
:class:`LeakageError` is raised by ``raise_for`` when the audit finds what it was told to fail on.
"""

from typing import Any, Dict, List


class LeakhoundError(Exception):
    """Base class of every error leakhound raises."""


class SettingError(LeakhoundError, ValueError):
    """An option or threshold out of range, of the wrong type, or unknown to a config."""


class ColumnNotFoundError(LeakhoundError, KeyError):
    """A column named in an option (the target, a role, ``allow``) is not in the data."""

    def __str__(self) -> str:
        # KeyError quotes its argument; the message is a sentence.
        return str(self.args[0]) if self.args else ""


class DataError(LeakhoundError, ValueError):
    """The data cannot be audited: malformed, empty, a constant target, mismatched lengths."""


class ModelError(LeakhoundError, ValueError):
    """The model cannot be read or evaluated: a corrupt, pickled or unsupported model file, a
    model whose classes or inputs do not match the data, or one that raised when called."""


class MissingFileError(LeakhoundError, FileNotFoundError):
    """A file given (the data, the test data, a model, a report) does not exist."""


class OutputError(LeakhoundError, OSError):
    """A file could not be read or the report could not be written."""


class LeakageError(LeakhoundError):
    """Raised by ``raise_for`` when a finding reaches the severity (or kind) given; the
    findings are in :attr:`findings`."""

    def __init__(self, message: str, findings: List[Dict[str, Any]]):
        super().__init__(message)
        self.findings = findings
