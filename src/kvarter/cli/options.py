"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path

import typer

from kvarter.errors import InputError

StoreOption = typer.Option(
    Path("kvarter.duckdb"), "--store", help="DuckDB store file (created if missing)."
)
EngineOption = typer.Option("duckdb", "--engine", help="Compute engine: duckdb or spark.")
OutOption = typer.Option(Path("out"), "--out", help="Folder to write outputs to.")
LangOption = typer.Option("en", "--lang", help="Language: en, da, no or nl; several separated by commas (en,da).")
MinCountOption = typer.Option(
    None, "--min-count", help="Disclosure control: minimum persons per published cell (default from settings: 5)."
)


def parse_years(text: str | None) -> list[int] | None:
    """``"2020-2024"`` → 2020..2024; ``"2019,2021"`` → [2019, 2021]; None → all years.

    >>> parse_years("2020-2022"), parse_years("2019,2021"), parse_years(None)
    ([2020, 2021, 2022], [2019, 2021], None)
    >>> parse_years("20x0")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: --years must be a year, a range like 2020-2024 or a list like 2019,2021; got '20x0'.
    """
    if text is None:
        return None
    years: list[int] = []
    try:
        for part in text.split(","):
            if "-" in part:
                lo, hi = (int(x) for x in part.split("-", 1))
                if hi < lo:
                    raise ValueError
                years += list(range(lo, hi + 1))
            else:
                years.append(int(part))
    except ValueError:
        raise InputError(
            f"--years must be a year, a range like 2020-2024 or a list like 2019,2021; got {text!r}."
        ) from None
    return sorted(set(years))
