"""Options shared by several commands, and the settings resolved once.

The command line is an edge: it resolves :class:`~kvarter.settings.Settings`
once per run (defaults, ``kvarter.yaml`` in the working directory or the
file named by ``--config``, ``KVARTER_*`` variables), and every command takes
its store, output folder, language, engine and disclosure policy from that
one object unless an option overrides it. The library below never reads
settings files or the environment itself.
"""

from __future__ import annotations

import functools
import inspect
from contextlib import contextmanager
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
    None, "--store",
    help="DuckDB store file (default from settings: kvarter.duckdb). load and demo create it if missing; "
    "the other commands need an existing one."
)
EngineOption = typer.Option(None, "--engine", help="Compute engine: duckdb or spark (default from settings: duckdb).")
SparkMasterOption = typer.Option(
    None, "--spark-master",
    help="With --engine spark: the master to connect to, spark://HOST:PORT for a cluster or local[N] "
    "(default from settings: local[2]).",
)
SourceOption = typer.Option(
    None, "--source",
    help="Where the person-year rows come from: store (default) or parquet:PATH, Parquet files the engine "
    "reads in place (on a cluster: a path every executor can read).",
)
OutOption = typer.Option(None, "--out", help="Folder to write outputs to (default from settings: out).")
LangOption = typer.Option(
    None, "--lang", help="Language: en, da, no or nl; several separated by commas (en,da) (default from settings: en)."
)
MinCountOption = typer.Option(
    None, "--min-count", help="Disclosure control: minimum persons per published cell (default from settings: 5)."
)

_resolved: dict[str, object] = {}


def use_settings(path: Path | None = None) -> None:
    """Resolve the settings for this run (``--config`` names the file; else
    ``kvarter.yaml`` in the working directory when present).

    >>> use_settings(None); current_settings().min_cell_count >= 1
    True
    """
    from kvarter.settings import load_settings

    _resolved["settings"] = load_settings(path)


def current_settings():
    """The settings resolved for this run (resolved now if no command did).

    >>> current_settings().engine in ("duckdb", "spark")
    True
    """
    if "settings" not in _resolved:
        use_settings(None)
    return _resolved["settings"]


def engine_of(settings, engine: str | None = None, spark_master: str | None = None):
    """The engine of this run: ``--engine`` and ``--spark-master`` over the settings.

    >>> from kvarter.settings import Settings
    >>> engine_of(Settings(), "spark", "spark://127.0.0.1:7077")
    Engine(name='spark', master='spark://127.0.0.1:7077')
    >>> engine_of(Settings(engine="spark", spark_master="spark://h:7077")), engine_of(Settings(spark_master="spark://h:7077"))
    (Engine(name='spark', master='spark://h:7077'), Engine(name='duckdb', master=None))
    """
    from kvarter.store.engines import engine_of as make

    name = engine or settings.engine
    master = spark_master or (settings.spark_master if name == "spark" else None)
    return make(name, master)


def policy_of(settings, min_count: int | None = None):
    """The disclosure policy of ``settings``, with ``--min-count`` over it.

    >>> from kvarter.settings import Settings
    >>> policy_of(Settings(min_cell_count=10)).min_count, policy_of(Settings(), 7).min_count
    (10, 7)
    """
    from kvarter.disclosure import DisclosurePolicy

    return DisclosurePolicy.from_settings(settings, min_count=min_count)


@contextmanager
def open_store(path: Path | None, settings, *, must_exist: bool = True):
    """The store at ``path`` (default: the settings' store). A command that
    reads a store refuses a missing file instead of creating an empty one.

    >>> from kvarter.settings import Settings
    >>> with open_store(Path("/nonexistent/x.duckdb"), Settings()) as st:
    ...     pass
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: The store /nonexistent/x.duckdb does not exist. Check --store, or create the store by loading data into it: kvarter load FILE --table persons --store /nonexistent/x.duckdb (or kvarter synth --store / kvarter demo --store for synthetic data).
    """
    from kvarter.store import Store

    path = Path(path) if path is not None else Path(settings.store)
    with Store(path, create=not must_exist) as st:
        yield st


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
