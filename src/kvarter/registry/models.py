"""Pydantic models for every record of the registry.

A record validates what it can know on its own: types, lengths (no text
field beyond :data:`TEXT_MAX` characters), an end before its start, a negative
budget, an evidence level outside its scale, an effect outside its own
interval, a target on the wrong side of its baseline, repeated ids. What needs
the store or the catalogue (areas, indicators, principles, the initiative an
experience belongs to) is checked by :mod:`kvarter.registry.checks`.

Every error is raised at the field it concerns, so a failure names the record
and the field (``evidence[0].level``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Optional

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from kvarter.errors import InputError
from kvarter.registry.scales import evidence_scales
from kvarter.registry.targets import check_target_group

#: Longest name (characters).
NAME_MAX = 200
#: Longest free text (description, notes, experiences), in characters.
TEXT_MAX = 20_000
#: Longest short text (partner names, sources, assessors).
SHORT_MAX = 1_000
#: Most items in one list field (areas, evidence, ...).
LIST_MAX = 500

RecordId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=TEXT_MAX)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=SHORT_MAX)]
Year = Annotated[int, Field(ge=1900, le=2100)]
Better = Literal["higher", "lower"]

STATUSES = ("planned", "running", "ended")
PARTNER_KINDS = (
    "housing_organisation", "civil_society", "municipal_department", "resident_group",
    "business", "state", "research", "other",
)
DESIGNS = (
    "randomised_trial", "meta_analysis", "quasi_experiment", "difference_in_differences",
    "staggered_adoption", "before_after_with_comparison", "before_after", "cross_sectional",
    "qualitative", "monitoring", "other",
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


def _unique(values: list, what: str, key=lambda v: v) -> list:
    seen: set = set()
    for i, v in enumerate(values):
        k = key(v)
        if k in seen:
            raise PydanticCustomError("duplicate_id", "{what} {value} is listed twice (again at [{i}])",
                                      {"what": what, "value": repr(k), "i": i})
        seen.add(k)
    return values


class Localised(_Model):
    """A text in English and, where given, Danish, Norwegian and Dutch."""

    en: Text
    da: Optional[Text] = None
    no: Optional[Text] = None
    nl: Optional[Text] = None

    def get(self, lang: str = "en") -> str:
        """The text in ``lang``, falling back to English."""
        return getattr(self, lang, None) or self.en


class Partner(_Model):
    """A partner in an initiative: a housing organisation, an association, a municipal department, ..."""

    name: Name
    kind: Literal[PARTNER_KINDS] = "other"  # type: ignore[valid-type]
    role: Short = ""


class Outcome(_Model):
    """An outcome indicator of an initiative (a catalogue id) with its baseline and target."""

    indicator: RecordId
    better: Better
    baseline: Optional[float] = None
    baseline_year: Optional[Year] = None
    target: Optional[float] = None
    target_year: Optional[Year] = None

    @field_validator("target")
    @classmethod
    def _target_side(cls, v, info: ValidationInfo):
        base, better = info.data.get("baseline"), info.data.get("better")
        if v is not None and base is not None and better is not None:
            if (better == "lower" and v > base) or (better == "higher" and v < base):
                raise PydanticCustomError(
                    "inconsistent", "target {target} is {side} the baseline {base}, but {better} is better",
                    {"target": v, "base": base, "better": better, "side": "above" if v > base else "below"})
        return v

    @field_validator("target_year")
    @classmethod
    def _years_order(cls, v, info: ValidationInfo):
        by = info.data.get("baseline_year")
        if v is not None and by is not None and v < by:
            raise PydanticCustomError("inconsistent", "target year {t} is before the baseline year {b}",
                                      {"t": v, "b": by})
        return v


class Evidence(_Model):
    """One evaluation of an initiative: design, strength of evidence on a named scale,
    effect with its interval, follow-up, the evaluation result it comes from, the assessor."""

    id: RecordId
    design: Literal[DESIGNS]  # type: ignore[valid-type]
    scale: Literal["sms", "nl_recognition", "som"]
    level: int | str
    effect: Optional[float] = None
    low: Optional[float] = None
    high: Optional[float] = None
    interval: float = Field(0.95, gt=0, lt=1)
    measure: Short = ""
    better: Better = "higher"
    indicator: Optional[RecordId] = None
    follow_up_months: Optional[int] = Field(None, ge=0, le=600)
    evaluation_id: Optional[RecordId] = None
    assessor: Short = ""
    reviewed: Optional[dt.date] = None
    source: Short = ""
    note: Text = ""

    @field_validator("level", mode="before")
    @classmethod
    def _level_on_scale(cls, v, info: ValidationInfo):
        scale = info.data.get("scale")
        if scale is None:
            return v
        levels = evidence_scales()[scale].levels
        for lv in levels:
            if str(lv.id) == str(v).strip():
                return lv.id
        raise PydanticCustomError(
            "out_of_range", "{value} is not a level of the {scale} scale; its levels are {levels}",
            {"value": repr(v), "scale": scale, "levels": ", ".join(str(lv.id) for lv in levels)})

    @field_validator("high")
    @classmethod
    def _interval_holds_effect(cls, v, info: ValidationInfo):
        low, eff = info.data.get("low"), info.data.get("effect")
        if (v is None) != (low is None):
            raise PydanticCustomError("inconsistent", "an interval needs both low and high (got low={low}, high={high})",
                                      {"low": low, "high": v})
        if v is not None and low is not None:
            if low > v:
                raise PydanticCustomError("inconsistent", "interval low {low} is above high {high}", {"low": low, "high": v})
            if eff is not None and not low <= eff <= v:
                raise PydanticCustomError("inconsistent", "effect {effect} lies outside its interval [{low}, {high}]",
                                          {"effect": eff, "low": low, "high": v})
        return v

    @property
    def strength(self) -> int:
        """The level's strength on the common 0-5 ladder (see :mod:`kvarter.registry.scales`)."""
        return evidence_scales()[self.scale].level(self.level).strength

    @property
    def favourable(self) -> Optional[float]:
        """The effect signed so that positive is an improvement (``None`` without an effect)."""
        if self.effect is None:
            return None
        return self.effect if self.better == "higher" else -self.effect

    @property
    def clear(self) -> bool:
        """Whether the interval lies wholly on the favourable side of zero."""
        if self.low is None or self.high is None:
            return False
        return self.low > 0 if self.better == "higher" else self.high < 0


class Initiative(_Model):
    """An initiative: where it runs, for whom, under which principles, with whom, when,
    at what cost, towards which outcome indicators, and its evidence."""

    id: RecordId
    name: Name
    description: Text = ""
    areas: list[RecordId] = Field(min_length=1, max_length=LIST_MAX)
    target_groups: list[str] = Field(default_factory=list, max_length=LIST_MAX)
    principles: list[Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)]] = Field(
        default_factory=list, max_length=LIST_MAX)
    partners: list[Partner] = Field(default_factory=list, max_length=LIST_MAX)
    start: dt.date
    end: Optional[dt.date] = None
    status: Literal[STATUSES]  # type: ignore[valid-type]
    budget: Optional[float] = Field(None, ge=0)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "DKK"
    participants: Optional[int] = Field(None, ge=0)
    cost_per_participant: Optional[float] = Field(None, ge=0)
    outcomes: list[Outcome] = Field(default_factory=list, max_length=LIST_MAX)
    evidence: list[Evidence] = Field(default_factory=list, max_length=LIST_MAX)
    example: bool = False
    withdrawn: bool = False

    @field_validator("areas")
    @classmethod
    def _areas_once(cls, v):
        return _unique(v, "area")

    @field_validator("target_groups")
    @classmethod
    def _known_groups(cls, v):
        for g in v:
            try:
                check_target_group(g)
            except InputError as exc:
                raise PydanticCustomError("not_allowed", "{msg}", {"msg": str(exc)}) from None
        return _unique(v, "target group")

    @field_validator("principles")
    @classmethod
    def _principle_refs(cls, v):
        for p in v:
            if p.count(":") != 1 or not all(p.split(":")):
                raise PydanticCustomError(
                    "not_allowed", "principle {p} must be written set:number, e.g. gentofte:3", {"p": repr(p)})
        return _unique(v, "principle")

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, v, info: ValidationInfo):
        start = info.data.get("start")
        if v is not None and start is not None and v < start:
            raise PydanticCustomError("inconsistent", "end {end} is before start {start}", {"end": v, "start": start})
        return v

    @field_validator("outcomes")
    @classmethod
    def _outcomes_once(cls, v):
        return _unique(v, "outcome indicator", key=lambda o: o.indicator)

    @field_validator("evidence")
    @classmethod
    def _evidence_once(cls, v):
        return _unique(v, "evidence id", key=lambda e: e.id)

    @model_validator(mode="after")
    def _ended_has_end(self):
        if self.status == "ended" and self.end is None:
            raise PydanticCustomError("missing_value", "status is 'ended' but no end date is given", {"field": "end"})
        return self

    @property
    def unit_cost(self) -> Optional[float]:
        """Cost per participant as given, else budget / participants when both are known."""
        if self.cost_per_participant is not None:
            return self.cost_per_participant
        if self.budget is not None and self.participants:
            return self.budget / self.participants
        return None

    @property
    def best_evidence(self) -> Optional[Evidence]:
        """The strongest evidence (ties: a clear favourable interval, then the larger favourable effect)."""
        if not self.evidence:
            return None
        return max(self.evidence, key=lambda e: (e.strength, e.clear, e.favourable if e.favourable is not None else float("-inf")))


class Experience(_Model):
    """A dated note of what worked and what did not, so lessons travel across areas."""

    id: RecordId
    date: dt.date
    title: Name
    initiative: Optional[RecordId] = None
    areas: list[RecordId] = Field(default_factory=list, max_length=LIST_MAX)
    worked: Text = ""
    did_not_work: Text = ""
    lesson: Text = ""
    example: bool = False
    withdrawn: bool = False

    @model_validator(mode="after")
    def _says_something(self):
        if not (self.worked.strip() or self.did_not_work.strip() or self.lesson.strip()):
            raise PydanticCustomError("missing_value", "an experience needs at least one of worked, did_not_work, lesson",
                                      {"field": "worked"})
        return self


class StatementIndicator(_Model):
    """A catalogue indicator that can show an outcome statement, and which way is better."""

    id: RecordId
    better: Better


class Statement(_Model):
    """An outcome statement ("where are we when the principle is implemented?")."""

    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-]{1,40}$")]
    en: Text
    da: Optional[Text] = None
    no: Optional[Text] = None
    nl: Optional[Text] = None
    indicators: list[StatementIndicator] = Field(default_factory=list)
    note: Text = ""

    def text(self, lang: str = "en") -> str:
        """The statement in ``lang``, falling back to English."""
        return getattr(self, lang, None) or self.en


class Theme(_Model):
    """A theme grouping principles; ``named_by`` says whether the source or kvarter named it."""

    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-]{1,80}$")]
    title: Localised
    named_by: Literal["source", "kvarter", "user"] = "source"


class Principle(_Model):
    """One principle of a set: its number, theme, title, text and outcome statements."""

    number: int = Field(ge=1, le=999)
    theme: Optional[str] = None
    title: Localised
    text: Localised
    statements: list[Statement] = Field(default_factory=list)

    @field_validator("statements")
    @classmethod
    def _statements_once(cls, v):
        return _unique(v, "statement id", key=lambda s: s.id)


class PrincipleSource(_Model):
    """The document a principle set comes from."""

    document: Text
    url: Short = ""
    note: Text = ""


class PrincipleSet(_Model):
    """A set of principles (Gentofte's ten, Copenhagen's 2035 goals, a user's own)."""

    kind: Literal["principle_set"] = "principle_set"
    version: int = Field(1, ge=1)
    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,59}$")]
    title: Localised
    source: PrincipleSource
    themes: list[Theme] = Field(default_factory=list)
    principles: list[Principle] = Field(min_length=1)
    example: bool = False
    withdrawn: bool = False

    @field_validator("principles")
    @classmethod
    def _numbers_once(cls, v):
        return _unique(v, "principle number", key=lambda p: p.number)

    @model_validator(mode="after")
    def _themes_known(self):
        known = {t.id for t in self.themes}
        for i, p in enumerate(self.principles):
            if p.theme is not None and p.theme not in known:
                raise PydanticCustomError(
                    "not_allowed", "principle {n} names theme {t}, which the set does not declare ({known})",
                    {"n": p.number, "t": repr(p.theme), "known": ", ".join(sorted(known)) or "none",
                     "field": f"principles[{i}].theme"})
        return self

    def ref(self, number: int) -> str:
        """The reference initiatives use for principle ``number`` (``gentofte:3``)."""
        return f"{self.id}:{number}"

    def refs(self) -> list[str]:
        """Every principle reference of the set, in order."""
        return [self.ref(p.number) for p in self.principles]

    def principle(self, ref: str) -> Principle:
        """The principle with reference ``set:number``."""
        set_id, _, number = ref.partition(":")
        for p in self.principles:
            if set_id == self.id and str(p.number) == number:
                return p
        raise InputError(f"principle set {self.id!r} has no principle {ref!r}; it has {', '.join(self.refs())}.")


#: The model of each record kind in the version log.
MODELS: dict[str, type[_Model]] = {"initiative": Initiative, "experience": Experience, "principle_set": PrincipleSet}
