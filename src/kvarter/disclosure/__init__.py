"""Statistical disclosure control: the only door out of kvarter.

Every table that leaves the program goes through :func:`protect`, which
returns a :class:`Protected`; publishing code accepts nothing else
(:func:`ensure_protected`). :func:`attack` recomputes suppressed cells the way
an intruder would.
"""

from kvarter.disclosure.attack import attack, check_published
from kvarter.disclosure.check import check_output
from kvarter.disclosure.dominance import dominance_shares, dominated, top_n_share
from kvarter.disclosure.policy import DisclosurePolicy
from kvarter.disclosure.protected import (
    STATUSES,
    Protected,
    PublishedView,
    ensure_protected,
    read_published,
)
from kvarter.disclosure.relations import Relation, hierarchy_relations, identity, overlap, partition
from kvarter.disclosure.status import SUPPRESSED, CellStatus, Reason
from kvarter.disclosure.suppress import protect

__all__ = [
    "STATUSES",
    "SUPPRESSED",
    "CellStatus",
    "DisclosurePolicy",
    "Reason",
    "Protected",
    "PublishedView",
    "Relation",
    "attack",
    "check_output",
    "check_published",
    "dominance_shares",
    "dominated",
    "ensure_protected",
    "hierarchy_relations",
    "identity",
    "overlap",
    "partition",
    "protect",
    "read_published",
    "top_n_share",
]
