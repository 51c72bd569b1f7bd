"""Rule sets as data: versioned YAML validated by Pydantic models.

A rule set names its source (law, paragraph, date in force), the population it
applies to, its criteria (a catalogue indicator, a comparison and a threshold
that is absolute or relative to a reference level) and its lists (how the
criteria combine, which other lists and earlier years they depend on).

A rule is a mapping with one key, or a bare name for a criterion or a list of
the same rule set::

    {at_least: 2, of: [employment, crime, education, income]}
    {all: [non_western, udsat_boligomraade]}
    {consecutive: {list: parallelsamfund, years: 5}}
    {on_lists: {ruleset: dk-2024, lists: [parallelsamfund]}}

Errors name the file, the path inside it and what was expected.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kvarter.errors import RuleError
from kvarter.io.yaml_files import parsed_yaml

RULESET_DIR = Path(__file__).parent / "rulesets"

#: Built-in rule sets by short name.
BUILTIN_RULESETS: dict[str, Path] = {
    "dk-2010": RULESET_DIR / "dk-2010.yaml",
    "dk-2013": RULESET_DIR / "dk-2013.yaml",
    "dk-2018": RULESET_DIR / "dk-2018.yaml",
    "dk-2024": RULESET_DIR / "dk-2024.yaml",
    "city-7": RULESET_DIR / "city-7.yaml",
    "composite": RULESET_DIR / "composite.yaml",
}

#: The comparisons a criterion may use; "met" means ``value OP threshold``.
COMPARISONS = {
    ">": lambda v, t: v > t,
    ">=": lambda v, t: v >= t,
    "<": lambda v, t: v < t,
    "<=": lambda v, t: v <= t,
}

Level = Literal["country", "region", "municipality"]

#: Short names readers see, per report language (``en``, ``da``, ``no``,
#: ``nl``): grid headers, legends and tooltips use them, never the id.
Names = dict[Literal["en", "da", "no", "nl"], str]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Source(_Model):
    """Where a rule set comes from: a law or document, its paragraph and dates."""

    document: str
    paragraph: str = ""
    in_force: Optional[dt.date] = None
    url: str = ""
    note: str = ""


class Population(_Model):
    """Which areas a rule set screens.

    ``social_housing`` requires the areas table's flag (a user's table without
    the column is taken to list social housing areas only, as the ministry's
    tables do); ``min_residents`` reads the ``residents`` value.
    """

    social_housing: bool = False
    min_residents: float = Field(0, ge=0)
    kinds: list[str] = Field(default_factory=list)


class WhatIf(_Model):
    """How to say the change that would stop a criterion being met.

    ``count``: change the numerator (persons) with the denominator fixed;
    ``template`` then receives ``{n}``. ``relative``: the value must change by a
    share; ``template`` receives ``{pct}``, ``{old}`` and ``{new}``.
    """

    mode: Literal["count", "relative"] = "relative"
    template: str = "value from {old} to {new} ({pct})"


class Criterion(_Model):
    """One criterion: ``value OP threshold`` where ``threshold`` may be a
    multiple of a reference level's value of the same indicator."""

    label: str
    names: Names = Field(default_factory=dict, description="short name per report language")
    indicator: str = Field(description="catalogue indicator id in the store's indicator table")
    column: Optional[str] = Field(None, description="column in a user's table (default: indicator)")
    yearly_indicator: Optional[str] = Field(
        None, description="yearly indicator averaged over `years` when the pooled one is absent"
    )
    years: int = Field(1, ge=1, le=10)
    op: Literal[">", ">=", "<", "<="]
    threshold: float
    relative_to: Optional[Level] = None
    rounding: float = Field(0.0005, ge=0, description="half the unit of the published rounding")
    what_if: WhatIf = Field(default_factory=WhatIf)

    @property
    def user_column(self) -> str:
        return self.column or self.indicator


class Consecutive(_Model):
    """On ``list`` (or a list it continues) in this and each earlier year, ``years`` in all."""

    list: str
    years: int = Field(ge=1, le=20)
    years_by_list_year: dict[int, int] = Field(default_factory=dict)

    def years_for(self, year: int) -> int:
        return self.years_by_list_year.get(year, self.years)


class OnLists(_Model):
    """On any of ``lists`` of another rule set the same year (the area or one of its sub-areas)."""

    ruleset: str
    lists: list[str] = Field(min_length=1)


class Rule(_Model):
    """One node of a combination rule; exactly one key is set."""

    ref: Optional[str] = None
    all: Optional[list[Rule]] = None
    any: Optional[list[Rule]] = None
    at_least: Optional[int] = Field(None, ge=1)
    of: Optional[list[Rule]] = None
    not_: Optional[Rule] = Field(None, alias="not")
    consecutive: Optional[Consecutive] = None
    on_lists: Optional[OnLists] = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data):
        if isinstance(data, str):
            return {"ref": data}
        if isinstance(data, dict) and ("criterion" in data or "list" in data) and len(data) == 1:
            return {"ref": data.get("criterion", data.get("list"))}
        return data

    @model_validator(mode="after")
    def _one_kind(self):
        kinds = [k for k in ("ref", "all", "any", "not_", "consecutive", "on_lists") if getattr(self, k) is not None]
        if self.at_least is not None or self.of is not None:
            if self.at_least is None or self.of is None:
                raise ValueError("'at_least' and 'of' go together: at_least: K, of: [criteria]")
            if self.at_least > len(self.of):
                raise ValueError(f"at_least {self.at_least} of only {len(self.of)} rules can never be met")
            kinds.append("at_least")
        if len(kinds) != 1:
            raise ValueError(
                "a rule is a criterion or list name, or a mapping with exactly one of "
                "all, any, at_least+of, not, consecutive, on_lists; got "
                + (", ".join(kinds) or "none of them")
            )
        return self

    def refs(self) -> list[str]:
        """Names of criteria and lists this rule reads in the same year."""
        if self.ref is not None:
            return [self.ref]
        out: list[str] = []
        for child in (self.all or []) + (self.any or []) + (self.of or []) + ([self.not_] if self.not_ else []):
            out.extend(child.refs())
        return out

    def describe(self) -> str:
        """The rule as a short text, e.g. ``at least 2 of (employment, crime)``."""
        if self.ref is not None:
            return self.ref
        if self.all is not None:
            return "all of (" + ", ".join(r.describe() for r in self.all) + ")"
        if self.any is not None:
            return "any of (" + ", ".join(r.describe() for r in self.any) + ")"
        if self.of is not None:
            return f"at least {self.at_least} of (" + ", ".join(r.describe() for r in self.of) + ")"
        if self.not_ is not None:
            return f"not {self.not_.describe()}"
        if self.consecutive is not None:
            return f"{self.consecutive.list} in each of the last {self.consecutive.years} years"
        return f"on {self.on_lists.ruleset} list " + " or ".join(self.on_lists.lists)


class ListDef(_Model):
    """A designation: its label, its rule, and earlier lists it continues."""

    label: str
    names: Names = Field(default_factory=dict, description="short name per report language")
    rule: Rule
    continues: list[str] = Field(
        default_factory=list, description="list ids of earlier law versions that count as this list in history"
    )


class CompositeComponent(_Model):
    """One domain of a composite score: an indicator, its weight and direction."""

    indicator: str
    column: Optional[str] = None
    weight: float = Field(gt=0)
    higher_is_worse: bool = True

    @property
    def user_column(self) -> str:
        return self.column or self.indicator


class CompositeSpec(_Model):
    """A composite deprivation score computed over the screened areas each year.

    It adds the derived values ``composite_score``, ``composite_rank`` and
    ``composite_decile`` that criteria may use as their indicator.
    """

    transform: Literal["exponential", "zscore", "rank"] = "zscore"
    components: dict[str, CompositeComponent] = Field(min_length=1)


class ListYears(_Model):
    first: int
    last: Optional[int] = None

    def covers(self, year: int) -> bool:
        return year >= self.first and (self.last is None or year <= self.last)


class RuleSet(_Model):
    """A validated rule set. Load with :func:`load_ruleset`."""

    kind: Literal["ruleset"]
    version: int = Field(ge=1)
    id: str
    title: str
    names: Names = Field(default_factory=dict, description="short name per report language")
    source: Source
    list_years: Optional[ListYears] = None
    predecessor: Optional[str] = None
    population: Population = Field(default_factory=Population)
    composite: Optional[CompositeSpec] = None
    criteria: dict[str, Criterion] = Field(default_factory=dict)
    lists: dict[str, ListDef] = Field(min_length=1)
    interpretation: str = ""

    @model_validator(mode="after")
    def _references(self):
        derived = {"composite_score", "composite_rank", "composite_decile"}
        for cid, crit in self.criteria.items():
            if crit.indicator in derived and self.composite is None:
                raise ValueError(f"criteria.{cid} uses {crit.indicator} but the rule set has no composite section")
        overlap = set(self.criteria) & set(self.lists)
        if overlap:
            raise ValueError(f"names used for both a criterion and a list: {sorted(overlap)}")
        for lid, ldef in self.lists.items():
            for ref in ldef.rule.refs():
                if ref not in self.criteria and ref not in self.lists:
                    raise ValueError(
                        f"lists.{lid}.rule names {ref!r}, which is neither a criterion "
                        f"({', '.join(self.criteria) or 'none'}) nor a list ({', '.join(self.lists)})"
                    )
        self.list_order()
        return self

    def criteria_of(self, list_id: str) -> list[str]:
        """The criteria a list reads, directly or through other lists of this rule set, in declared order."""
        seen: set[str] = set()
        stack = [list_id]
        while stack:
            lid = stack.pop()
            if lid in seen:
                continue
            seen.add(lid)
            nodes = [self.lists[lid].rule]
            while nodes:
                r = nodes.pop()
                nodes.extend((r.all or []) + (r.any or []) + (r.of or []) + ([r.not_] if r.not_ else []))
                if r.consecutive is not None and r.consecutive.list in self.lists:
                    stack.append(r.consecutive.list)
                if r.ref is not None and r.ref in self.lists:
                    stack.append(r.ref)
                if r.ref is not None and r.ref in self.criteria:
                    seen.add(r.ref)
        return [c for c in self.criteria if c in seen]

    def list_order(self) -> list[str]:
        """List ids in an order where each list comes after the lists it reads."""
        order: list[str] = []
        state: dict[str, int] = {}

        def visit(lid: str, path: tuple[str, ...]):
            if state.get(lid) == 2:
                return
            if state.get(lid) == 1:
                raise ValueError("lists depend on each other in a cycle: " + " -> ".join(path + (lid,)))
            state[lid] = 1
            for ref in self.lists[lid].rule.refs():
                if ref in self.lists:
                    visit(ref, path + (lid,))
            state[lid] = 2
            order.append(lid)

        for lid in self.lists:
            visit(lid, ())
        return order


def _format_loc(loc) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item in ("function-after[_one_kind(), Rule]", "function-before[_shorthand(), function-after[_one_kind(), Rule]]"):
            continue
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def ruleset_from_dict(data, source: str = "rule set") -> RuleSet:
    """Validate a parsed rule set; errors name ``source`` and the path inside it.

    >>> ruleset_from_dict({"kind": "ruleset", "version": 1, "id": "x", "title": "X",
    ...     "source": {"document": "test"},
    ...     "criteria": {"a": {"label": "A", "indicator": "a", "op": ">", "threshold": "fifty"}},
    ...     "lists": {"l": {"label": "L", "rule": "a"}}}, "x.yaml")
    Traceback (most recent call last):
    ...
    kvarter.errors.RuleError: Invalid rule set in x.yaml @ criteria.a.threshold: 'fifty' — expected a valid number, unable to parse string as a number.
    """
    if not isinstance(data, dict):
        raise RuleError(f"Invalid rule set in {source}: expected a mapping with kind, version, id, ...; got {type(data).__name__}.")
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        msgs = []
        for err in exc.errors():
            loc = _format_loc(err["loc"])
            msg = err["msg"]
            for prefix in ("Input should be ", "Value error, "):
                if msg.startswith(prefix):
                    msg = ("expected " if prefix.startswith("Input") else "") + msg[len(prefix):]
            got = err.get("input")
            shown = f"{got!r} — " if err["type"] not in ("missing", "value_error") and not isinstance(got, dict) else ""
            msgs.append(f"{loc}: {shown}{msg}")
        raise RuleError(f"Invalid rule set in {source} @ " + "; @ ".join(msgs) + ".") from None


def load_ruleset(ruleset: str | Path | RuleSet) -> RuleSet:
    """A rule set by built-in short name (``dk-2024``, ``city-7``, ...) or YAML path.

    >>> rs = load_ruleset("dk-2024")
    >>> list(rs.lists)
    ['udsat_boligomraade', 'parallelsamfund', 'omdannelsesomraade', 'forebyggelsesomraade']
    >>> rs.criteria["employment"].op, rs.criteria["employment"].threshold
    ('>', 0.4)
    """
    if isinstance(ruleset, RuleSet):
        return ruleset
    path = BUILTIN_RULESETS.get(str(ruleset))
    if path is None:
        path = Path(ruleset)
        if not path.is_file():
            raise RuleError(
                f"Unknown rule set {str(ruleset)!r}: not a built-in ({', '.join(BUILTIN_RULESETS)}) "
                "and no such file."
            )
    try:
        data = parsed_yaml(path)
    except yaml.YAMLError as exc:
        raise RuleError(f"Invalid rule set in {path}: not valid YAML ({exc}).") from None
    except OSError as exc:
        raise RuleError(f"Cannot read rule set {path}: {exc}.") from None
    return ruleset_from_dict(data, str(path))



def ruleset_to_yaml(ruleset: RuleSet) -> str:
    """The rule set as YAML that :func:`ruleset_from_dict` reads back unchanged.

    >>> rs = load_ruleset("dk-2013")
    >>> ruleset_from_dict(yaml.safe_load(ruleset_to_yaml(rs))) == rs
    True
    """
    data = ruleset.model_dump(mode="json", by_alias=True, exclude_none=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


Rule.model_rebuild()
