"""Evidence scales as data: the Maryland Scientific Methods Scale, the Dutch
recognition levels and the Danish SØM levels (``evidence_scales.yaml``).

Each level carries a ``strength`` on one common 0-5 ladder (kvarter's
crosswalk, declared in the YAML file), so evidence stated on different scales
can be filtered with one threshold: "at or above ``sms:3``" keeps evidence whose
strength is at least that of Maryland level 3, whatever its own scale.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kvarter.errors import InputError, RuleError

SCALES_PATH = Path(__file__).parent / "evidence_scales.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Level(_Model):
    """One level of a scale and its place on the common strength ladder."""

    id: int | str
    strength: int = Field(ge=0, le=5)
    labels: dict[str, str]


class Scale(_Model):
    """An evidence scale: its levels from weakest to strongest, and its source."""

    id: str
    labels: dict[str, str]
    source: str
    higher_is_stronger: bool
    levels: list[Level]

    def level(self, value) -> Level:
        """The level ``value`` (``3``, ``"3"`` or ``"effective_good"``); raises naming the allowed ones."""
        for lv in self.levels:
            if str(lv.id) == str(value).strip():
                return lv
        raise InputError(
            f"{value!r} is not a level of the {self.id} scale ({self.labels['en']}); "
            f"its levels are {', '.join(str(lv.id) for lv in self.levels)}."
        )


class Scales(_Model):
    """The evidence scales file."""

    kind: Literal["evidence_scales"]
    version: int = Field(ge=1)
    scales: list[Scale]


@cache
def evidence_scales() -> dict[str, Scale]:
    """The built-in evidence scales by id.

    >>> sorted(evidence_scales())
    ['nl_recognition', 'sms', 'som']
    >>> [lv.id for lv in evidence_scales()["som"].levels]
    [1, 2, 3]
    """
    try:
        parsed = Scales.model_validate(yaml.safe_load(SCALES_PATH.read_text(encoding="utf-8")))
    except ValidationError as exc:  # a broken shipped file is a bug worth a clear message
        raise RuleError(f"Invalid evidence scales in {SCALES_PATH}: {exc}") from None
    return {s.id: s for s in parsed.scales}


def strength(scale: str, level) -> int:
    """The common 0-5 strength of ``level`` on ``scale`` (Maryland level n is strength n).

    >>> strength("sms", 3), strength("som", 1), strength("nl_recognition", "effective_first")
    (3, 5, 2)
    >>> strength("sms", 6)
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: 6 is not a level of the sms scale (Maryland Scientific Methods Scale); its levels are 1, 2, 3, 4, 5.
    """
    scales = evidence_scales()
    if scale not in scales:
        raise InputError(f"Unknown evidence scale {scale!r}; the scales are {', '.join(scales)}.")
    return scales[scale].level(level).strength


def parse_threshold(text: str) -> int:
    """An evidence threshold ``scale:level`` (``sms:3``, ``som:2``) or a bare strength 0-5, as a strength.

    >>> parse_threshold("sms:3"), parse_threshold("som:2"), parse_threshold("4")
    (3, 3, 4)
    """
    text = str(text).strip()
    if ":" in text:
        scale, level = text.split(":", 1)
        return strength(scale.strip(), level.strip())
    try:
        value = int(text)
    except ValueError:
        raise InputError(
            f"An evidence level is written scale:level (sms:3, som:2, nl_recognition:effective_good) "
            f"or as a strength 0-5; got {text!r}."
        ) from None
    if not 0 <= value <= 5:
        raise InputError(f"An evidence strength is between 0 and 5; got {value}.")
    return value
