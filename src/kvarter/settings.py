"""Settings: one declared table (name, default, help) that drives the CLI,
config validation and the docs. Values come from, in rising priority, the
defaults here, a ``kvarter.toml``/``kvarter.yaml`` file and ``KVARTER_*``
environment variables, then explicit arguments."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kvarter.errors import InputError


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("store", "kvarter.duckdb", "Path of the DuckDB store file."),
    Setting("engine", "duckdb", "Compute engine for microdata: duckdb or spark."),
    Setting(
        "spark_master",
        "local[2]",
        "Spark master the spark engine connects to: local[N] (this machine) or spark://HOST:PORT "
        "(a standalone cluster; also yarn, k8s://URL). See docs/spark.md.",
    ),
    Setting("out", "out", "Folder that reports, workbooks and tables are written to."),
    Setting("lang", "en", "Language of labels and number formats: en, da, no, nl."),
    Setting(
        "min_cell_count",
        5,
        "Disclosure control: minimum number of persons behind any published count, share, rate or average.",
    ),
    Setting(
        "dominance_n",
        2,
        "Disclosure control: number of largest contributors checked by the dominance rule for sums and averages.",
    ),
    Setting(
        "dominance_k",
        0.85,
        "Disclosure control: the largest dominance_n contributors may make up at most this share of a sum.",
    ),
    Setting("web_token", "", "Web app: the token writes need (kvarter serve); empty: one is generated at start and printed."),
    Setting("min_school_pupils", 50, "Segregation: schools with fewer pupils are dropped."),
    Setting(
        "min_municipality_pupils",
        10_000,
        "Segregation: municipalities with fewer pupils in a year are dropped.",
    ),
)


class Settings(BaseModel):
    """Validated settings. Build with :func:`load_settings`.

    >>> Settings().min_cell_count
    5
    >>> Settings(min_cell_count=0)
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings
    ...
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    store: Path = Path("kvarter.duckdb")
    engine: Literal["duckdb", "spark"] = "duckdb"
    spark_master: str = Field("local[2]", min_length=1)
    out: Path = Path("out")
    lang: Literal["en", "da", "no", "nl"] = "en"
    min_cell_count: int = Field(5, ge=1)
    dominance_n: int = Field(2, ge=1)
    dominance_k: float = Field(0.85, gt=0, le=1)
    web_token: str = ""
    min_school_pupils: int = Field(50, ge=0)
    min_municipality_pupils: int = Field(10_000, ge=0)


def load_settings(path: str | Path | None = None, **overrides) -> Settings:
    """Settings from defaults, an optional YAML file, ``KVARTER_*`` variables and overrides.

    >>> load_settings(min_cell_count=3).min_cell_count
    3
    """
    values: dict[str, object] = {}
    if path is None and Path("kvarter.yaml").exists():
        path = Path("kvarter.yaml")
    if path is not None:
        try:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(f"Cannot read settings file {path}: {exc}") from None
        if not isinstance(loaded, dict):
            raise InputError(f"Settings file {path} must hold a mapping of setting: value.")
        values.update(loaded)
    for s in SETTINGS:
        env = os.environ.get(f"KVARTER_{s.name.upper()}")
        if env is not None:
            values[s.name] = env
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**values)
    except ValidationError as exc:
        where = f" in {path}" if path else ""
        parts = []
        for err in exc.errors():
            loc = ".".join(str(x) for x in err["loc"])
            parts.append(f"{loc}: {err['msg']} (got {err.get('input')!r})")
        raise InputError(f"Invalid settings{where}: " + "; ".join(parts)) from None
