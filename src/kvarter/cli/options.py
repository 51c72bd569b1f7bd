"""Options shared by several commands."""

from __future__ import annotations

import functools
import inspect
from pathlib import Path

import typer

from kvarter.errors import InputError

#: The commands that create their store when the file is missing (they load
#: data into it). Every other command taking ``store`` reads one and refuses a
#: missing file, so a mistyped path leaves no empty store (nor an out/ folder).
CREATES_STORE = ("load", "synth", "demo")
#: Commands whose store is optional when another option brings the data:
#: ``screen --values`` screens a user's table (the store, if any, keeps the history).
STORE_OPTIONAL_WITH = {"screen": "values"}


def require_store(name: str, command):
    """Wrap the command ``name`` so that a missing ``--store`` file fails with
    :func:`~kvarter.store.store.missing_store_message` before the command runs
    (commands in :data:`CREATES_STORE`, or without a ``store`` parameter, are
    returned as they are). ``kvarter.cli.main`` applies it to every command."""
    if name in CREATES_STORE or "store" not in inspect.signature(command).parameters:
        return command

    @functools.wraps(command)
    def guarded(*args, **kwargs):
        store = kwargs.get("store")
        instead = STORE_OPTIONAL_WITH.get(name)
        if (store is not None and str(store) != ":memory:" and not Path(store).is_file()
                and not (instead and kwargs.get(instead) is not None)):
            from kvarter.store.store import missing_store_message

            raise InputError(missing_store_message(store))
        return command(*args, **kwargs)

    return guarded


StoreOption = typer.Option(
    Path("kvarter.duckdb"), "--store",
    help="DuckDB store file. load and demo create it if missing; the other commands need an existing one.",
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
