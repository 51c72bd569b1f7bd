"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path

import typer

StoreOption = typer.Option(
    Path("kvarter.duckdb"), "--store", help="DuckDB store file (created if missing)."
)
EngineOption = typer.Option("duckdb", "--engine", help="Compute engine: duckdb or spark.")
OutOption = typer.Option(Path("out"), "--out", help="Folder to write outputs to.")
LangOption = typer.Option("en", "--lang", help="Language: en, da, no or nl; several separated by commas (en,da).")
MinCountOption = typer.Option(
    None, "--min-count", help="Disclosure control: minimum persons per published cell (default from settings: 5)."
)
