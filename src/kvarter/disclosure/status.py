"""The one vocabulary of disclosure control: a cell's status and the reason
it is not published, as written in every ``<column>_status`` and
``<column>_reason`` column. Both are string enums, so a table read back from
CSV compares equal to them.

>>> CellStatus.PRIMARY == "primary", CellStatus.PRIMARY in SUPPRESSED
(True, True)
>>> [r.value for r in Reason][:3]
['persons', 'numerator', 'complement']
"""

from __future__ import annotations

from enum import StrEnum


class CellStatus(StrEnum):
    """Whether a cell's value is published, and if not, why in one word."""

    PUBLISHED = "published"
    PRIMARY = "primary"  # fails a rule itself
    SECONDARY = "secondary"  # hidden so that a primary cell cannot be recomputed
    STRUCTURAL_ZERO = "structural_zero"  # no persons at all: nothing to protect


class Reason(StrEnum):
    """Why a cell is suppressed (rendered for people by ``reason_text``)."""

    PERSONS = "persons"
    NUMERATOR = "numerator"
    COMPLEMENT = "complement"
    DOMINANCE = "dominance"
    SECONDARY = "secondary"
    LINKED = "linked"
    STRUCTURAL_ZERO = "structural_zero"


#: Statuses in the order files list them.
STATUSES: tuple[CellStatus, ...] = tuple(CellStatus)
#: The statuses of a cell whose value is withheld.
SUPPRESSED: tuple[CellStatus, ...] = (CellStatus.PRIMARY, CellStatus.SECONDARY)
