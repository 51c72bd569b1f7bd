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
    """Whether a cell's value is published, and if not, why in one word.

    ``primary`` and ``secondary`` are kvarter's own record; what leaves the
    program says ``suppressed`` for both (as Statistics Netherlands prints
    ``.``): "primary: fewer than 5 in the numerator" would tell a reader the
    hidden count is 1-4, and two such cells in one total then come out
    exactly.
    """

    PUBLISHED = "published"
    PRIMARY = "primary"  # fails a rule itself
    SECONDARY = "secondary"  # hidden so that a primary cell cannot be recomputed
    STRUCTURAL_ZERO = "structural_zero"  # no persons at all: nothing to protect
    SUPPRESSED = "suppressed"  # the published word for primary and secondary alike


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
SUPPRESSED: tuple[CellStatus, ...] = (CellStatus.PRIMARY, CellStatus.SECONDARY, CellStatus.SUPPRESSED)
#: The statuses a published file may carry.
PUBLIC_STATUSES: tuple[CellStatus, ...] = (CellStatus.PUBLISHED, CellStatus.SUPPRESSED, CellStatus.STRUCTURAL_ZERO)


def public_status(status: str) -> str:
    """The status as published: primary and secondary both read ``suppressed``.

    >>> public_status("primary"), public_status("secondary"), public_status("published")
    ('suppressed', 'suppressed', 'published')
    """
    return CellStatus.SUPPRESSED.value if status in SUPPRESSED else str(status)
