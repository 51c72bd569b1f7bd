"""Goals as data: a versioned YAML file of targets (indicator, group, target
value, target year, baseline year), validated on load.

``group`` is ``deprived`` (the value in the designated areas pooled) or
``gap`` (the designated areas minus the rest of the city). ``better`` says
which way is progress. An unknown key or a misspelt indicator is an error that
names the file, the goal and what was expected.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kvarter.errors import RuleError

EXAMPLES = Path(__file__).parent / "examples"
#: Goal files shipped with kvarter, by short name.
BUILTIN_GOALS: dict[str, Path] = {"copenhagen-2035": EXAMPLES / "copenhagen-2035.yaml"}
#: Indicators outside the catalogue a goal may name.
EXTRA_INDICATORS: tuple[str, ...] = ("life_expectancy", "composite_gap")


class Goal(BaseModel):
    """One target."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    indicator: str
    group: Literal["deprived", "gap"]
    target: float
    target_year: int = Field(ge=1990, le=2100)
    baseline_year: int = Field(ge=1990, le=2100)
    better: Literal["lower", "higher"]
    example: bool = False
    labels: dict[str, str] = {}
    #: Short names readers see, per report language: the goals table, the
    #: charts' titles and the workbook use them, never the id.
    names: dict[Literal["en", "da", "no", "nl"], str] = {}
    note: str = ""

    @model_validator(mode="after")
    def _years(self) -> "Goal":
        if self.baseline_year >= self.target_year:
            raise ValueError(f"baseline_year {self.baseline_year} must come before target_year {self.target_year}")
        return self


class GoalSource(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    document: str
    note: str = ""


class GoalSet(BaseModel):
    """A file of goals: ``kind: goals``, ``version``, ``id``, ``source`` and the goals."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["goals"]
    version: int
    id: str
    title: dict[str, str] = {}
    source: GoalSource
    example: bool = False
    goals: list[Goal]

    @model_validator(mode="after")
    def _unique(self) -> "GoalSet":
        seen: set[str] = set()
        for g in self.goals:
            if g.id in seen:
                raise ValueError(f"goal id {g.id!r} is used twice")
            seen.add(g.id)
        return self


def known_indicators(catalogue=None) -> list[str]:
    """Every id a goal may name: the indicator catalogue's, the figures from
    outside the registers, ``life_expectancy`` and ``composite_gap``.

    >>> ids = known_indicators()
    >>> "temporary_public_support_share" in ids and "turnout_share" in ids and "life_expectancy" in ids
    True
    """
    from kvarter.indicators import load_catalogue
    from kvarter.indicators.figures import figures

    cat = catalogue if hasattr(catalogue, "ids") else load_catalogue(catalogue)
    return list(cat.ids) + list(figures()) + list(EXTRA_INDICATORS)


def _loc(loc) -> str:
    out = ""
    for item in loc:
        out += f"[{item}]" if isinstance(item, int) else (("." if out else "") + str(item))
    return out or "(top level)"


def goals_from_dict(data, source: str = "goals", *, known=None) -> GoalSet:
    """Validate a parsed goal file; errors name ``source``, the place in it and what was expected.

    >>> base = {"kind": "goals", "version": 1, "id": "x", "source": {"document": "test"}}
    >>> goal = {"id": "work", "indicator": "outside_labour_education_share", "group": "gap", "target": 0.05,
    ...         "target_year": 2035, "baseline_year": 2023, "better": "lower"}
    >>> goals_from_dict({**base, "goals": [goal]}).goals[0].target
    0.05
    >>> goals_from_dict({**base, "goals": [{**goal, "indicator": "outside_labour_educaton_share"}]}, "g.yaml")
    Traceback (most recent call last):
    ...
    kvarter.errors.RuleError: Invalid goals in g.yaml @ goals[0].indicator: unknown indicator 'outside_labour_educaton_share' in goal 'work'; did you mean 'outside_labour_education_share'?
    >>> goals_from_dict({**base, "goals": [{**goal, "targt": 1}]}, "g.yaml")
    Traceback (most recent call last):
    ...
    kvarter.errors.RuleError: Invalid goals in g.yaml @ goals[0].targt: unknown key 'targt' (did you mean 'target'?).
    """
    if not isinstance(data, dict):
        raise RuleError(f"Invalid goals in {source}: expected a mapping with kind, version, id, source, goals; "
                        f"got {type(data).__name__}.")
    try:
        goals = GoalSet.model_validate(data)
    except ValidationError as exc:
        msgs = []
        for err in exc.errors():
            loc = _loc(err["loc"])
            if err["type"] == "extra_forbidden":
                key = str(err["loc"][-1])
                fields = Goal.model_fields if "goals" in err["loc"][:1] and len(err["loc"]) > 2 else GoalSet.model_fields
                close = difflib.get_close_matches(key, list(fields), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else f" (keys: {', '.join(fields)})"
                msgs.append(f"{loc}: unknown key {key!r}{hint}")
                continue
            msg = err["msg"]
            for prefix in ("Input should be ", "Value error, "):
                if msg.startswith(prefix):
                    msg = ("expected " if prefix.startswith("Input") else "") + msg[len(prefix):]
            got = err.get("input")
            shown = f"{got!r} — " if err["type"] not in ("missing", "value_error") and not isinstance(got, dict) else ""
            msgs.append(f"{loc}: {shown}{msg}")
        raise RuleError(f"Invalid goals in {source} @ " + "; @ ".join(msgs) + ".") from None
    ids = set(known if known is not None else known_indicators())
    for i, g in enumerate(goals.goals):
        if g.indicator not in ids:
            close = difflib.get_close_matches(g.indicator, sorted(ids), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "see docs/indicators.md for the ids"
            raise RuleError(f"Invalid goals in {source} @ goals[{i}].indicator: unknown indicator "
                            f"{g.indicator!r} in goal {g.id!r}; {hint}")
    return goals


def load_goals(goals: str | Path | GoalSet, *, known=None) -> GoalSet:
    """A goal file by built-in name (``copenhagen-2035``, an example) or YAML path.

    >>> gs = load_goals("copenhagen-2035")
    >>> gs.example, gs.goals[0].indicator
    (True, 'outside_labour_education_share')
    """
    if isinstance(goals, GoalSet):
        return goals
    path = BUILTIN_GOALS.get(str(goals)) or Path(goals)
    if not path.is_file():
        raise RuleError(f"Unknown goals {str(goals)!r}: not a built-in ({', '.join(BUILTIN_GOALS)}) and no such file.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RuleError(f"Invalid goals in {path}: not valid YAML ({exc}).") from None
    return goals_from_dict(data, str(path), known=known)
