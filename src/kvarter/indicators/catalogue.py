"""The indicator catalogue: versioned YAML declarations validated by Pydantic.

An indicator is *data*: a population filter, a numerator, a denominator, a
unit, an optional pooling over years and an optional comparison with a
reference level. :mod:`kvarter.indicators.compile` turns the declarations
into Ibis expressions; nothing here knows an engine.

A catalogue file starts with a header (``kind: indicator_catalogue``,
``version``, ``source``) and lists ``indicators``. An indicator may list
``variants``: copies that differ only in ``years``, ``reference`` or
``comparison`` (``outside_labour_education_share_2y`` is the 2-year variant
of ``outside_labour_education_share``). Variants are expanded on load, so
every id in :attr:`Catalogue.indicators` is a complete definition.

>>> cat = load_catalogue()
>>> ind = cat["convicted_ratio_to_national_2y"]
>>> (ind.years, ind.reference, ind.comparison, ind.unit)
(2, 'country', 'ratio', 'share')
>>> ind.fields()
['age', 'convicted']
"""

from __future__ import annotations


import json

from importlib import resources
from pathlib import Path
from typing import Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kvarter.errors import RuleError
from kvarter.io.yaml_files import parsed_yaml

LANGUAGES = ("en", "da", "no", "nl")
UNITS = ("share", "per_1000", "mean", "count")
LEVELS = ("area", "municipality", "region", "country")

#: Fields computed from contract fields before any indicator sees them; each
#: maps to the contract fields it needs (a tuple of alternatives is "any one of").
DERIVED_FIELDS: dict[str, tuple] = {
    "household_persons": (("household_size", "household_id"),),
    "equivalised_income": ("household_disposable_income", ("household_size", "household_id")),
    "equivalised_income_3y": ("household_disposable_income", ("household_size", "household_id")),
    "m2_per_person": ("dwelling_m2", ("household_size", "household_id")),
}

#: Derived fields that read a person's earlier years: how many years before t.
LOOK_BACK: dict[str, int] = {"equivalised_income_3y": 2}

_OPS = ("eq", "ne", "in_", "not_in", "lt", "le", "gt", "ge", "is_null", "below_median")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class FieldRef(_Model):
    """The value of another field of the same row (``{field: household_persons}``)."""

    field: str


Scalar = Union[bool, int, float, str]


class Condition(_Model):
    """One condition on a field; exactly one operator is given.

    ``below_median: 0.5`` means *value < 0.5 × the median of this field over
    every person with a value in the same year (the country)*.

    >>> Condition.model_validate({"field": "origin", "eq": "non_western"}).op
    'eq'
    >>> Condition.model_validate({"field": "age", "lt": 3, "gt": 1})
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for Condition
    ...
    """

    field: str
    eq: Scalar | None = None
    ne: Scalar | None = None
    in_: list[Scalar] | None = Field(None, alias="in")
    not_in: list[Scalar] | None = None
    lt: float | FieldRef | None = None
    le: float | FieldRef | None = None
    gt: float | FieldRef | None = None
    ge: float | FieldRef | None = None
    is_null: bool | None = None
    below_median: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one_operator(self):
        given = [op for op in _OPS if getattr(self, op) is not None]
        if len(given) != 1:
            raise ValueError(
                f"condition on {self.field!r} must give exactly one operator of "
                f"{', '.join(o.rstrip('_') for o in _OPS)}; got {len(given)}"
            )
        return self

    @property
    def op(self) -> str:
        return next(op for op in _OPS if getattr(self, op) is not None)

    @property
    def operand(self):
        return getattr(self, self.op)

    def fields(self) -> set[str]:
        out = {self.field}
        if isinstance(self.operand, FieldRef):
            out.add(self.operand.field)
        return out

    def describe(self) -> str:
        """A readable form: ``labour_status not in (employed, in_education)``.

        >>> Condition.model_validate({"field": "rooms", "lt": {"field": "household_persons"}}).describe()
        'rooms < household_persons'
        """
        symbols = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
        v = self.operand
        if self.op in ("in_", "not_in"):
            word = "in" if self.op == "in_" else "not in"
            return f"{self.field} {word} ({', '.join(str(x) for x in v)})"
        if self.op == "is_null":
            return f"{self.field} is {'' if v else 'not '}missing"
        if self.op == "below_median":
            return f"{self.field} < {v:g} × national median of {self.field} (same year)"
        shown = v.field if isinstance(v, FieldRef) else (str(v).lower() if isinstance(v, bool) else f"{v:g}" if isinstance(v, float) else v)
        return f"{self.field} {symbols[self.op]} {shown}"


class Population(_Model):
    """Who is counted: an inclusive age band and conditions that must all hold."""

    age: tuple[int | None, int | None] = (None, None)
    where: list[Condition] = []

    def fields(self) -> set[str]:
        out = {"age"} if self.age != (None, None) else set()
        for c in self.where:
            out |= c.fields()
        return out

    def describe(self) -> str:
        lo, hi = self.age
        parts = []
        if lo is not None and hi is not None:
            parts.append(f"aged {lo}-{hi}")
        elif lo is not None:
            parts.append(f"aged {lo}+")
        elif hi is not None:
            parts.append(f"aged 0-{hi}")
        parts += [c.describe() for c in self.where]
        return ", ".join(parts) if parts else "all residents"


class Measure(_Model):
    """A numerator or denominator: a count of the population (optionally
    restricted by ``where``) or a sum of a numeric ``field`` over it."""

    where: list[Condition] = []
    sum: str | None = None

    def fields(self) -> set[str]:
        out = {self.sum} if self.sum else set()
        for c in self.where:
            out |= c.fields()
        return out

    def describe(self, counting: str, known: str | None = None) -> str:
        what = f"sum of {self.sum}" if self.sum else f"number of {counting}"
        if known:
            what += f" with a known {known}"
        if self.where:
            what += " with " + " and ".join(c.describe() for c in self.where)
        return what


class Labels(_Model):
    en: str
    da: str
    no: str
    nl: str


class Variant(_Model):
    """A copy of an indicator under a new id with other pooling or comparison."""

    id: str
    years: int | None = Field(None, ge=1, le=10)
    reference: Literal["municipality", "region", "country"] | None = None
    comparison: Literal["ratio"] | None = None
    labels: Labels | None = None


class Indicator(_Model):
    """One indicator definition.

    ``years: N`` pools N years: numerator and denominator are each summed over
    years t-N+1..t and the value for year t exists only when all N years are
    in the data. ``comparison: ratio`` divides the raw value by the raw value
    of the ``reference`` level (the area's municipality or region, or the
    country) in the same year. ``counting: households`` counts each household
    once (its members are weighted by 1 / household size).
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    labels: Labels
    description: str
    population: Population = Population()
    numerator: Measure | None = None
    denominator: Measure = Measure()
    unit: Literal["share", "per_1000", "mean", "count"]
    #: ISO 4217 code of a mean of money (an income): tables, sentences and
    #: axes then show the amount with its currency. A ratio variant is a
    #: ratio, not money, whatever its base's currency.
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    counting: Literal["persons", "households"] = "persons"
    years: int = Field(1, ge=1, le=10)
    reference: Literal["municipality", "region", "country"] | None = None
    comparison: Literal["ratio"] | None = None
    requires: list[str] = []
    source: str | None = None
    variants: list[Variant] = []

    @model_validator(mode="after")
    def _consistent(self):
        if self.unit == "count":
            if self.numerator is not None:
                raise ValueError(f"indicator {self.id!r}: unit 'count' takes no numerator (it counts the population)")
        elif self.numerator is None:
            raise ValueError(f"indicator {self.id!r}: unit {self.unit!r} needs a numerator")
        if self.unit == "mean" and (self.numerator is None or not self.numerator.sum):
            raise ValueError(f"indicator {self.id!r}: unit 'mean' needs a numerator with 'sum: FIELD'")
        if self.comparison == "ratio" and self.reference is None:
            raise ValueError(f"indicator {self.id!r}: comparison 'ratio' needs a reference level")
        if self.reference is not None and self.comparison is None:
            raise ValueError(f"indicator {self.id!r}: reference {self.reference!r} needs a comparison (ratio)")
        return self

    def fields(self) -> list[str]:
        """Every field the definition reads (contract or derived), sorted."""
        out = set(self.requires) | self.population.fields() | self.denominator.fields()
        if self.numerator is not None:
            out |= self.numerator.fields()
        if self.counting == "households":
            out.add("household_persons")
        return sorted(out)

    def label(self, lang: str = "en") -> str:
        return getattr(self.labels, lang)

    def describe(self) -> str:
        """One sentence stating the definition (used by the docs)."""
        pop = self.population.describe()
        if self.unit == "count":
            text = f"Number of {self.counting} ({pop})."
        else:
            num = self.numerator.describe(self.counting)
            den = self.denominator.describe(self.counting, self.numerator.sum if self.unit == "mean" else None)
            scale = {"share": "share (0-1)", "per_1000": "rate per 1,000", "mean": "mean"}[self.unit]
            text = f"{scale[0].upper() + scale[1:]}: {num} / {den}; population: {pop}."
        if self.years > 1:
            text += f" Pooled over {self.years} years (sums over t-{self.years - 1}..t)."
        if self.comparison == "ratio":
            text += f" Ratio to the {self.reference}'s value."
        return text

    def expand(self) -> list["Indicator"]:
        """This indicator followed by its variants as complete indicators."""
        out = [self.model_copy(update={"variants": []})]
        for v in self.variants:
            update = {"id": v.id, "variants": []}
            for key in ("years", "reference", "comparison"):
                if getattr(v, key) is not None:
                    update[key] = getattr(v, key)
            update["description"] = _variant_description(self, update.get("years", self.years),
                                                          update.get("reference"))
            update["labels"] = v.labels or Labels(**{
                lang: getattr(self.labels, lang) + _variant_suffix(update.get("years", self.years), update.get("reference"), lang)
                for lang in LANGUAGES
            })
            out.append(Indicator.model_validate({**self.model_dump(by_alias=True), **{k: (val.model_dump() if isinstance(val, BaseModel) else val) for k, val in update.items()}}))
        return out


_SUFFIX = {
    "years": {"en": "{n}-year", "da": "{n} år", "no": "{n} år", "nl": "{n} jaar"},
    "ratio": {"en": "relative to {ref}", "da": "i forhold til {ref}", "no": "i forhold til {ref}", "nl": "t.o.v. {ref}"},
    "municipality": {"en": "municipality", "da": "kommunen", "no": "kommunen", "nl": "gemeente"},
    "region": {"en": "region", "da": "regionen", "no": "regionen", "nl": "regio"},
    "country": {"en": "country", "da": "hele landet", "no": "hele landet", "nl": "Nederland"},
}


def _variant_description(base: "Indicator", years: int, reference: str | None) -> str:
    """A variant's own definition: what it changes, then the base's definition.

    >>> ind = Indicator(id="x_share", labels={"en": "X", "da": "X", "no": "X", "nl": "X"},
    ...                 description="Persons with X among residents.", numerator={"where": [{"field": "x", "eq": True}]},
    ...                 unit="share")
    >>> _variant_description(ind, 2, None)
    'Pooled over 2 years: numerators and denominators of years t-1 and t are summed before dividing (persons with X among residents).'
    >>> _variant_description(ind, 1, "municipality")
    "The area's value divided by its municipality's value (1 = as in the municipality; 1.5 = half as high again), where the value is: persons with X among residents."
    """
    base_text = base.description.strip().rstrip(".")
    base_text = base_text[:1].lower() + base_text[1:]
    span = "t-1 and t" if years == 2 else f"t-{years - 1} to t"
    pooled = f"numerators and denominators of years {span} are summed before dividing"
    if reference is None:
        return f"Pooled over {years} years: {pooled} ({base_text})." if years > 1 else base.description
    whose = "the country's" if reference == "country" else f"its {reference}'s"
    ratio = f"divided by {whose} value (1 = as in the {reference}; 1.5 = half as high again)"
    if years > 1:
        return f"The area's {years}-year value ({pooled}) {ratio}, where the value is: {base_text}."
    return f"The area's value {ratio}, where the value is: {base_text}."


def _variant_suffix(years: int, reference: str | None, lang: str) -> str:
    parts = []
    if years > 1:
        parts.append(_SUFFIX["years"][lang].format(n=years))
    if reference is not None:
        parts.append(_SUFFIX["ratio"][lang].format(ref=_SUFFIX[reference][lang]))
    return f" ({', '.join(parts)})" if parts else ""


class CategoryGroup(_Model):
    """Indicators whose numerators split one population (they add up to the
    shared denominator): a lone hidden category is the total minus the others."""

    name: str
    members: list[str] = Field(min_length=2)


class Subset(_Model):
    """``part`` counts persons who are all counted by ``whole`` too (same unit
    and year), and its population lies inside ``whole``'s."""

    part: str
    whole: str
    why: str = ""


class AtMost(_Model):
    """``smaller``'s numerator never exceeds ``larger``'s (same unit and year)."""

    smaller: str
    larger: str
    why: str = ""


class SamePersons(_Model):
    """Indicators whose persons counts are equal at a unit and year (every
    18-64-year-old has a labour status, so "18-64 with a labour status" =
    "all 18-64"); a sum and difference of populations is an
    :class:`Identity`. Disclosure control hides their counts together: a
    count hidden under one indicator is never published under another. Each member stands for every indicator with its
    population and denominator (see :meth:`Catalogue.population_key`)."""

    name: str
    members: list[str] = Field(min_length=2)
    why: str = ""


class Identity(_Model):
    """Persons counts of different populations tied at a unit and year:
    ``total`` = sum of ``plus`` - sum of ``minus`` (15-64 = 18-64 + 15+ -
    18+). Each member stands for every indicator counting its persons (see
    :meth:`Catalogue.population_key`). Disclosure control puts the identity
    into the intruder's system and suppresses so that it pins nothing; unlike
    :class:`SamePersons`, the members' counts are not hidden together.

    >>> Identity(name="aged_15_64", total="a", plus=["b", "c"], minus=["d"]).members()
    ['a', 'b', 'c', 'd']
    >>> Identity(name="x", total="a", plus=["a"])
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for Identity
      Value error, identity x names 'a' twice ...
    """

    name: str
    total: str
    plus: list[str] = Field(min_length=1)
    minus: list[str] = []
    why: str = ""

    @model_validator(mode="after")
    def _each_member_once(self):
        seen: set[str] = set()
        for m in self.members():
            if m in seen:
                raise ValueError(f"identity {self.name} names {m!r} twice")
            seen.add(m)
        return self

    def members(self) -> list[str]:
        """Every indicator named: the total, then the added, then the subtracted."""
        return [self.total, *self.plus, *self.minus]


class PanelMember(_Model):
    indicator: str
    label: str


class Panel(_Model):
    """A profile panel: indicators shown (and published) together."""

    name: str
    members: list[PanelMember] = Field(min_length=1)
    percent: bool = True


class Structure(_Model):
    """How indicators relate, for disclosure control and the profiles."""

    categories: list[CategoryGroup] = []
    subsets: list[Subset] = []
    at_most: list[AtMost] = []
    populations: list[SamePersons] = []
    identities: list[Identity] = []
    panels: list[Panel] = []

    def ids(self) -> list[tuple[str, str]]:
        """Every indicator id named, with where it is named."""
        out = [(i, f"categories {g.name}") for g in self.categories for i in g.members]
        out += [(s.part, "subsets") for s in self.subsets] + [(s.whole, "subsets") for s in self.subsets]
        out += [(a.smaller, "at_most") for a in self.at_most] + [(a.larger, "at_most") for a in self.at_most]
        out += [(i, f"populations {g.name}") for g in self.populations for i in g.members]
        out += [(i, f"identities {g.name}") for g in self.identities for i in g.members()]
        out += [(m.indicator, f"panels {p.name}") for p in self.panels for m in p.members]
        return out


class Catalogue(_Model):
    """A validated, expanded catalogue: ``catalogue[id]`` gives an indicator;
    ``structure`` says which indicators are categories of one total, which
    count a subset of another's persons, and which panels go together.
    """

    kind: Literal["indicator_catalogue"]
    version: int | str
    source: str
    indicators: list[Indicator]
    structure: Structure = Structure()

    @model_validator(mode="after")
    def _structure_names_known_indicators(self):
        known = set(self.ids)
        for ind_id, where in self.structure.ids():
            if ind_id not in known:
                raise ValueError(f"structure {where}: no indicator {ind_id!r} in the catalogue")
        return self

    @field_validator("indicators")
    @classmethod
    def _expand_and_unique(cls, value: list[Indicator]) -> list[Indicator]:
        expanded = [x for ind in value for x in ind.expand()]
        seen: set[str] = set()
        for ind in expanded:
            if ind.id in seen:
                raise ValueError(f"duplicate indicator id {ind.id!r}")
            seen.add(ind.id)
        return expanded

    def __getitem__(self, key: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == key:
                return ind
        raise KeyError(f"no indicator {key!r} in the catalogue; known ids: {', '.join(self.ids)}")

    def __iter__(self):
        return iter(self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)

    @property
    def ids(self) -> list[str]:
        return [i.id for i in self.indicators]

    def category_groups(self) -> list[list[str]]:
        """The member ids of each category group (see :class:`CategoryGroup`).

        >>> [g[:2] for g in load_catalogue().category_groups()][0]
        ['employed_share_18_64', 'unemployed_share_18_64']
        """
        return [list(g.members) for g in self.structure.categories]

    def base_of(self, key: str) -> tuple[str, int]:
        """The single-year, non-ratio indicator whose cells ``key`` is built
        from, and how many years it pools: ``(base_id, years)``.

        A ratio variant shares its base's numerator and denominator; a pooled
        ``years: N`` variant sums the base's cells of years t-N+1..t. Knowing
        this lets disclosure control link a derived figure to the cells it
        rests on.

        >>> cat = load_catalogue()
        >>> cat.base_of("convicted_ratio_to_national_2y"), cat.base_of("residents")
        (('convicted_share', 2), ('residents', 1))
        """
        ind = self[key]
        keep = {"population", "numerator", "denominator", "unit", "counting", "requires"}

        def definition(i: Indicator) -> str:
            return json.dumps(i.model_dump(include=keep, by_alias=True, exclude_none=True), sort_keys=True, default=str)

        target = definition(ind)
        for b in self.indicators:
            if b.years == 1 and b.reference is None and definition(b) == target:
                return b.id, ind.years
        return ind.id, ind.years

    def population_key(self, key: str) -> str:
        """A key equal for indicators whose ``persons`` follow from one
        another: the same population and denominator, or declared in
        ``structure.populations`` (:class:`SamePersons`, groups sharing a
        member joined); disclosure control suppresses such counts together.

        >>> cat = load_catalogue()
        >>> cat.population_key("employed_share_18_64") == cat.population_key("unemployed_share_18_64")
        True
        >>> cat.population_key("employed_share_18_64") == cat.population_key("residents")
        False
        >>> cat.population_key("employed_share_18_64") == cat.population_key("outside_labour_education_share")
        True
        """
        own = self._definition_key(key)
        for name, keys in self._population_classes():
            if own in keys:
                return f"populations: {name}"
        return own

    def _definition_key(self, key: str) -> str:
        ind = self[key]
        keep = {"population", "denominator", "counting", "requires"}
        return json.dumps(ind.model_dump(include=keep, by_alias=True, exclude_none=True), sort_keys=True, default=str)

    def _population_classes(self) -> list[tuple[str, set[str]]]:
        """The declared populations as sets of definition keys, joined where they share one."""
        classes: list[tuple[list[str], set[str]]] = []
        for g in self.structure.populations:
            names, keys = [g.name], {self._definition_key(m) for m in g.members}
            for c in [c for c in classes if c[1] & keys]:
                classes.remove(c)
                names, keys = c[0] + names, keys | c[1]
            classes.append((names, keys))
        return [(" + ".join(n), k) for n, k in classes]

    def select(self, ids: list[str]) -> "Catalogue":
        """A catalogue with only the named indicators (in the given order)."""
        picked = [self[i] for i in ids]
        return self.model_copy(update={"indicators": picked})


def builtin_catalogue_path() -> Path:
    """The path of the built-in catalogue file.

    >>> p = builtin_catalogue_path()
    >>> p.parent.name, p.name, p.is_file()
    ('catalogue', 'builtin.yaml', True)
    """
    return Path(str(resources.files("kvarter.indicators") / "catalogue" / "builtin.yaml"))


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and validate an indicator catalogue (the built-in one when ``path`` is None).

    Raises :class:`~kvarter.errors.RuleError` naming the file, the indicator
    and the offending entry when the file is invalid.

    >>> cat = load_catalogue()
    >>> "non_western_share" in cat.ids and "residents" in cat.ids
    True
    >>> cat["non_western_share"].describe()
    'Share (0-1): number of persons with origin == non_western / number of persons; population: all residents.'
    """
    path = Path(path) if path is not None else builtin_catalogue_path()
    try:
        raw = parsed_yaml(path)
    except OSError as exc:
        raise RuleError(f"Cannot read indicator catalogue {path}: {exc.strerror or exc}.") from None
    except yaml.YAMLError as exc:
        raise RuleError(f"Indicator catalogue {path} is not valid YAML: {exc}") from None
    return parse_catalogue(raw, source=str(path))



def parse_catalogue(raw: object, source: str = "catalogue") -> Catalogue:
    """Validate an already parsed catalogue mapping.

    >>> parse_catalogue({"kind": "indicator_catalogue", "version": 1, "source": "x",
    ...     "indicators": [{"id": "n", "labels": {"en": "n", "da": "n", "no": "n", "nl": "n"},
    ...                     "description": "d", "unit": "share"}]}, "my.yaml")
    Traceback (most recent call last):
    ...
    kvarter.errors.RuleError: Invalid indicator catalogue my.yaml @ indicators[0] (id 'n'): Value error, indicator 'n': unit 'share' needs a numerator
    """
    if not isinstance(raw, dict):
        raise RuleError(f"Indicator catalogue {source} must be a mapping with kind, version, source and indicators; got {type(raw).__name__}.")
    try:
        return Catalogue.model_validate(raw)
    except ValidationError as exc:
        messages = []
        for err in exc.errors():
            loc = err["loc"]
            where = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc).replace(".[", "[")
            if len(loc) >= 2 and loc[0] == "indicators" and isinstance(loc[1], int):
                try:
                    where += f" (id {raw['indicators'][loc[1]].get('id')!r})"
                except (KeyError, IndexError, TypeError, AttributeError):
                    pass
            value = f": got {err['input']!r}" if err["type"] not in ("value_error", "missing") and not isinstance(err["input"], dict) else ""
            hint = " (YAML reads an unquoted no as false: write \"no\": for Norwegian)" if err["input"] is False and "Keys" in err["msg"] else ""
            messages.append(f"{where}: {err['msg']}{value}{hint}")
        raise RuleError(f"Invalid indicator catalogue {source} @ " + "; ".join(messages)) from None
