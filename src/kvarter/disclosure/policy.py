"""The disclosure policy: how many persons a published figure must rest on, and
when a sum or average is dominated by a few contributors."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from kvarter.validation import check_scalar


@dataclass(frozen=True)
class DisclosurePolicy:
    """Rules every published cell must satisfy.

    ``min_count``: minimum number of persons behind any published count, share,
    rate or average, and behind the numerator of a share (and, with
    ``protect_complement``, behind denominator minus numerator). Statistics
    offices demand 3 to 10. It is also the **protection interval**: from
    everything published, a suppressed count cannot be pinned to fewer than
    ``min_count`` possible values (see :mod:`kvarter.disclosure.attack`).

    ``dominance_n``, ``dominance_k``: the (n, k) dominance rule for sums and
    averages of magnitudes such as income: a cell is sensitive when its
    ``dominance_n`` largest contributors hold more than ``dominance_k`` of the
    sum (Hundepool et al. 2012, *Statistical Disclosure Control*, section 4.2.2).

    >>> DisclosurePolicy()
    DisclosurePolicy(min_count=5, dominance_n=2, dominance_k=0.85, protect_complement=True)
    >>> DisclosurePolicy(min_count=0)
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: The 'min_count' parameter of DisclosurePolicy must be a int in the range [1, inf). Got 0 instead.
    """

    min_count: int = 5
    dominance_n: int = 2
    dominance_k: float = 0.85
    protect_complement: bool = True

    def __post_init__(self) -> None:
        owner = "DisclosurePolicy"
        check_scalar(self.min_count, "min_count", owner, kind=int, min_value=1)
        check_scalar(self.dominance_n, "dominance_n", owner, kind=int, min_value=1)
        check_scalar(
            self.dominance_k, "dominance_k", owner, kind=(int, float),
            min_value=0, max_value=1, include_min=False,
        )
        if not isinstance(self.protect_complement, bool):
            check_scalar(self.protect_complement, "protect_complement", owner, kind=bool)

    @classmethod
    def from_settings(cls, settings=None, **overrides) -> "DisclosurePolicy":
        """The policy named by :class:`kvarter.settings.Settings` (defaults when ``None``).

        >>> from kvarter.settings import Settings
        >>> DisclosurePolicy.from_settings(Settings(min_cell_count=3)).min_count
        3
        """
        from kvarter.settings import Settings

        settings = settings if settings is not None else Settings()
        values = {
            "min_count": settings.min_cell_count,
            "dominance_n": settings.dominance_n,
            "dominance_k": settings.dominance_k,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def to_dict(self) -> dict:
        """The policy as plain values (written beside every published file).

        >>> DisclosurePolicy(min_count=3).to_dict()["min_count"]
        3
        """
        return asdict(self)
