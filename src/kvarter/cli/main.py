"""The ``kvarter`` command. Each command module registers itself on the app;
every command calls one public library function, and every
:class:`~kvarter.errors.KvarterError` becomes a message and an exit code here.

Exit codes (:class:`~kvarter.cli.exitcodes.ExitCode`): 0 success; 2 bad input
data, rule file or arguments — including every usage error (a missing or
unknown option, a bad value, an unknown command) and a bare ``kvarter``,
which prints the help and exits 2 like any call without a command (as Click
does; ``kvarter --help`` exits 0); 1 anything else.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import typer
from rich.console import Console
from typer import TyperException

from kvarter.cli.exitcodes import ExitCode
from kvarter.cli.options import require_store
from kvarter.errors import InputErrors, KvarterError

app = typer.Typer(
    name="kvarter",
    help="Monitor neighbourhoods and social housing: load data, compute indicators, "
    "screen deprived areas, measure segregation, and publish reports behind disclosure control.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

def _print_version(value: bool) -> None:
    if value:
        from kvarter.store.store import kvarter_version

        typer.echo(f"kvarter {kvarter_version()}")
        raise typer.Exit(ExitCode.OK)


@app.callback()
def _options(
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                 help="Print the kvarter version and exit."),
    config: Path = typer.Option(
        None, "--config", help="Settings file (YAML); default: kvarter.yaml in the working directory when present."
    ),
) -> None:
    # Options of ``kvarter`` itself: the settings are resolved here, once, for
    # the command that follows (kvarter.cli.options.current_settings).
    from kvarter.cli.options import use_settings

    use_settings(config)


# Command modules, each with a ``register(app)`` function.
COMMAND_MODULES = ("data", "synth", "indicators", "segregation", "screening", "disclosure", "report", "registry",
                   "benchmark", "housing", "serve")

for _name in COMMAND_MODULES:
    try:
        _mod = importlib.import_module(f"kvarter.cli.{_name}")
    except ModuleNotFoundError as exc:  # a command module not written yet
        if exc.name != f"kvarter.cli.{_name}":
            raise
        continue
    _mod.register(app)

# A command that reads a store refuses a missing one before it runs (see
# kvarter.cli.options.require_store); wrapped here, once, for every command.
for _info in app.registered_commands:
    _info.callback = require_store(_info.name or _info.callback.__name__, _info.callback)


def print_input_errors(exc: InputErrors, console: Console | None = None) -> None:
    """Print a validation failure table readably (file, row, column, value, reason)."""
    from rich.table import Table

    console = console or Console(stderr=True)
    table = Table(title=str(exc).split(" First:")[0], show_lines=False)
    for col in ("file", "row", "column", "value", "reason", "message"):
        table.add_column(col, overflow="fold")
    for f in exc.failures[:200]:
        table.add_row(
            f.file, "" if f.row is None else str(f.row), f.column or "",
            "" if f.value is None else str(f.value)[:40], f.reason.value, f.message,
        )
    console.print(table)
    if len(exc.failures) > 200:
        console.print(f"... and {len(exc.failures) - 200} more failures.")


def show_usage_error(exc: Exception) -> int:
    """Print a usage error of the command line briefly (usage line, hint, message); return the exit code."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        # A bare ``kvarter``: Typer's rich help has printed itself already;
        # without rich the help is the message.
        if exc.format_message().strip():
            typer.echo(exc.format_message())
    elif hasattr(exc, "show"):
        exc.show()
    else:
        typer.echo(f"Error: {exc}", err=True)
    return ExitCode.INPUT


def main() -> None:
    """Entry point that converts library errors to messages and exit codes."""
    try:
        # Outside standalone mode click returns a command's exit code
        # (typer.Exit) instead of exiting: pass it on.
        rc = app(standalone_mode=False)
    except InputErrors as exc:
        print_input_errors(exc)
        sys.exit(ExitCode.INPUT)
    except KvarterError as exc:
        Console(stderr=True).print(f"[bold red]Error:[/] {exc}", highlight=False)
        sys.exit(ExitCode.INPUT if isinstance(exc, ValueError) else ExitCode.ERROR)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(ExitCode.ERROR)
    except TyperException as exc:
        # The pinned Typer raises usage errors from its own bundled copy of
        # click (typer._click), whose ClickException is no click.ClickException
        # but derives from typer.TyperException.
        sys.exit(show_usage_error(exc))
    except Exception as exc:  # usage errors of the real click, should a dependency raise one
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(ExitCode.INPUT)
        raise
    sys.exit(rc if isinstance(rc, int) else 0)


if __name__ == "__main__":
    main()
