"""The exception tree. Library errors subclass a builtin too, so callers that
catch ``ValueError`` keep working, and the CLI converts every
:class:`KvarterError` into a message and an exit code at one boundary."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Reason(str, enum.Enum):
    """Why one value or one file failed validation (a reason code per failure)."""

    missing_column = "missing_column"
    unknown_column = "unknown_column"
    bad_encoding = "bad_encoding"
    unreadable_file = "unreadable_file"
    wrong_type = "wrong_type"
    missing_value = "missing_value"
    out_of_range = "out_of_range"
    not_allowed = "not_allowed"
    negative_count = "negative_count"
    duplicate_id = "duplicate_id"
    unknown_area = "unknown_area"
    unknown_school = "unknown_school"
    year_out_of_range = "year_out_of_range"
    empty_table = "empty_table"
    inconsistent = "inconsistent"
    ragged_row = "ragged_row"
    duplicate_column = "duplicate_column"
    bad_geometry = "bad_geometry"
    unsupported_crs = "unsupported_crs"


@dataclass(frozen=True)
class Failure:
    """One failed check: where (file, row, column), what value, and why.

    ``row`` is the 1-based data row in the file (the header is row 0), or
    ``None`` for failures that concern a whole column or file.
    """

    file: str
    row: int | None
    column: str | None
    value: object
    reason: Reason
    message: str


class KvarterError(Exception):
    """Base class of every error kvarter raises on purpose."""


class InputError(KvarterError, ValueError):
    """Bad input data or arguments."""


class InputErrors(InputError):
    """All validation failures of one input, collected before anything is stored.

    ``failures`` is a list of :class:`Failure`; :meth:`table` returns them as a
    pandas DataFrame with the columns ``file, row, column, value, reason, message``.
    """

    def __init__(self, failures: list[Failure], source: str = ""):
        self.failures = list(failures)
        self.source = source
        counts: dict[str, int] = {}
        for f in self.failures:
            counts[f.reason.value] = counts.get(f.reason.value, 0) + 1
        summary = ", ".join(f"{n} {r}" for r, n in sorted(counts.items()))
        first = self.failures[0] if self.failures else None
        detail = ""
        if first is not None:
            where = f"row {first.row}" if first.row is not None else "file"
            col = f", column {first.column!r}" if first.column else ""
            detail = f" First: {where}{col}: {first.message}"
        super().__init__(
            f"{source or 'input'} failed validation with {len(self.failures)} "
            f"failure(s) ({summary}); nothing was stored.{detail}"
        )

    def table(self):
        """The failures as a DataFrame (file, row, column, value, reason, message)."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "file": f.file,
                    "row": f.row,
                    "column": f.column,
                    "value": None if f.value is None else str(f.value),
                    "reason": f.reason.value,
                    "message": f.message,
                }
                for f in self.failures
            ],
            columns=["file", "row", "column", "value", "reason", "message"],
        )


class RuleError(KvarterError, ValueError):
    """A rule set, indicator catalogue or other declarative file is invalid."""


class EngineError(KvarterError, RuntimeError):
    """A compute engine is missing or cannot run an expression."""


class DisclosureError(KvarterError, ValueError):
    """An attempt to publish something that has not passed disclosure control."""


class MissingFieldError(InputError):
    """An indicator or analysis needs a field the data does not have."""
