"""``kvarter registry ...``: the registry of initiatives from the command line.

Every command opens the store for the moment it needs it and waits (``--wait``
seconds) while another process such as ``kvarter serve`` holds the file, so
commands and the web app can both write. Register with ``register(app)``
(adds the ``registry`` group) or mount :data:`app` yourself.
"""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

from kvarter.cli.options import StoreOption

app = typer.Typer(
    name="registry",
    help="Register initiatives, their evidence and experiences, with a history that loses nothing.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _default_author() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (a container, say)
        return "unknown"


AuthorOption = typer.Option(None, "--author", help="Who makes the change (default: your user name).")
WaitOption = typer.Option(30.0, "--wait", help="Seconds to wait while another process holds the store file.")
KindOption = typer.Option("initiative", "--kind", help="Record kind: initiative, experience or principle_set.")


def _registry(store: Path, wait: float):
    from kvarter.registry import Registry

    return Registry(store, timeout=wait)


def _console():
    from rich.console import Console

    return Console()


def _print_frame(frame, title: str | None = None, columns: list[str] | None = None) -> None:
    from rich.table import Table

    table = Table(title=title)
    cols = columns or list(frame.columns)
    for col in cols:
        table.add_column(col, overflow="fold")
    for row in frame[cols].itertuples(index=False):
        table.add_row(*["" if v is None or (isinstance(v, float) and v != v) else str(v) for v in row])
    _console().print(table)


def _read_mapping(path: Path) -> dict:
    import json

    import yaml

    from kvarter.errors import InputError

    try:
        text = path.read_text(encoding="utf-8-sig") if str(path) != "-" else typer.get_text_stream("stdin").read()
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc}.") from None
    except (ValueError, yaml.YAMLError) as exc:
        raise InputError(f"{path} is not valid YAML or JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path} must hold one record as a mapping of fields; got {type(data).__name__}.")
    return data


def _parse_changes(pairs: list[str]) -> dict:
    import yaml

    from kvarter.errors import InputError

    changes = {}
    for pair in pairs:
        field, sep, value = pair.partition("=")
        if not sep or not field.strip():
            raise InputError(f"A change is written field=value (participants=42, areas=[A1, A2]); got {pair!r}.")
        try:
            changes[field.strip()] = yaml.safe_load(value) if value.strip() else None
        except yaml.YAMLError as exc:
            raise InputError(f"Cannot read the value of {field.strip()!r}: {exc}") from None
    return changes


@app.command("add")
def add(
    file: Path = typer.Argument(..., help="YAML or JSON file with one record ('-' reads standard input)."),
    kind: str = KindOption,
    reason: str = typer.Option("added", "--reason", help="Why the record is added."),
    author: str = AuthorOption,
    store: Path = StoreOption,
    wait: float = WaitOption,
) -> None:
    """Add one initiative (or experience, or principle set) from a YAML or JSON file."""
    reg = _registry(store, wait)
    data = _read_mapping(file)
    who = author or _default_author()
    if kind == "initiative":
        version = reg.add(data, author=who, reason=reason)
    elif kind == "experience":
        version = reg.add_experience(data, author=who, reason=reason)
    elif kind == "principle_set":
        version = reg.add_principle_set(data, author=who, reason=reason)
    else:
        from kvarter.errors import InputError

        raise InputError(f"--kind must be initiative, experience or principle_set; got {kind!r}.")
    _console().print(f"Added {kind.replace('_', ' ')} {data.get('id')!r} (version {version}).", highlight=False)


@app.command("edit")
def edit(
    id: str = typer.Argument(..., help="Id of the record to change."),
    changes: list[str] = typer.Argument(None, help="Changes as field=value (values are YAML: 42, [A1, A2], 2025-06-30)."),
    from_file: Path = typer.Option(None, "--from", help="YAML or JSON file with a mapping of fields to change."),
    reason: str = typer.Option(..., "--reason", help="Why the change is made."),
    expect_version: int = typer.Option(None, "--expect-version", help="Refuse if the record is no longer at this version."),
    kind: str = KindOption,
    author: str = AuthorOption,
    store: Path = StoreOption,
    wait: float = WaitOption,
) -> None:
    """Change fields of a record: a new version, with who, when and why."""
    values = _read_mapping(from_file) if from_file is not None else {}
    values.update(_parse_changes(changes or []))
    version = _registry(store, wait).update(id, values, author=author or _default_author(), reason=reason,
                                            expected_version=expect_version, kind=kind)
    _console().print(f"{id}: now at version {version}.", highlight=False)


@app.command("withdraw")
def withdraw(
    id: str = typer.Argument(..., help="Id of the record to withdraw."),
    reason: str = typer.Option(..., "--reason", help="Why it is withdrawn."),
    kind: str = KindOption,
    author: str = AuthorOption,
    store: Path = StoreOption,
    wait: float = WaitOption,
) -> None:
    """Withdraw a record: it leaves the listings, its history stays."""
    version = _registry(store, wait).withdraw(id, author=author or _default_author(), reason=reason, kind=kind)
    _console().print(f"{id}: withdrawn (version {version}).", highlight=False)


@app.command("list")
def list_(
    area: str = typer.Option(None, "--area", help="Only initiatives running in this area id."),
    principle: str = typer.Option(None, "--principle", help="Only initiatives serving this principle (gentofte:3) or set (gentofte)."),
    target_group: str = typer.Option(None, "--target-group", help="Only initiatives for this target group or age band (age:15-24)."),
    status: str = typer.Option(None, "--status", help="Only planned, running or ended initiatives."),
    as_of: str = typer.Option(None, "--as-of", help="The registry as recorded at this date or time."),
    all_: bool = typer.Option(False, "--all", help="Include withdrawn initiatives."),
    out: Path = typer.Option(None, "--out", help="Also write the list to this .csv or .json file."),
    store: Path = StoreOption,
    wait: float = WaitOption,
) -> None:
    """List initiatives, filtered by area, principle, target group, status or time."""
    frame = _registry(store, wait).list(area, principle, target_group, as_of, status=status, include_withdrawn=all_)
    if out is not None:
        if out.suffix.lower() == ".json":
            frame.to_json(out, orient="records", date_format="iso", force_ascii=False, indent=2)
        else:
            frame.to_csv(out, index=False)
    _print_frame(frame, f"{len(frame)} initiative(s)",
                 ["id", "name", "status", "start", "end", "areas", "target_groups", "principles", "best_scale",
                  "best_level", "version"])


@app.command("show")
def show(
    id: str = typer.Argument(..., help="Id of the record."),
    as_of: str = typer.Option(None, "--as-of", help="As recorded at this date or time."),
    version: int = typer.Option(None, "--version", help="A given version."),
    kind: str = KindOption,
    store: Path = StoreOption,
    wait: float = WaitOption,
) -> None:
    """Show one record as YAML, with its version, author, time and reason."""
    import yaml

    v = _registry(store, wait).get_version(id, as_of, version=version, kind=kind)
    console = _console()
    console.print(f"# {kind.replace('_', ' ')} {id!r}, version {v.version} ({v.action} by {v.author}, "
                  f"{v.recorded_at:%Y-%m-%d %H:%M:%S} UTC: {v.reason})", highlight=False)
    console.print(yaml.safe_dump(v.record.model_dump(mode="json", exclude_none=True), sort_keys=False,
                                 allow_unicode=True), highlight=False, markup=False)


@app.command("history")
def history(
    id: str = typer.Argument(..., help="Id of the record."),
    diff: bool = typer.Option(False, "--diff", help="Also show what changed in each version."),
    kind: str = KindOption,
    store: Path = StoreOption,
    wait: float = WaitOption,
) -> None:
    """Every version of a record: who, when, why and which fields changed."""
    reg = _registry(store, wait)
    frame = reg.history(id, kind=kind)
    _print_frame(frame, f"History of {id}")
    if diff:
        for v in frame["version"].tolist()[1:]:
            _print_frame(reg.diff(id, v - 1, v, kind=kind), f"Version {v - 1} → {v}")


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="YAML, JSON or CSV file of initiatives (and experiences, principle sets)."),
    reason: str = typer.Option(None, "--reason", help="Why (default: imported from FILE)."),
    author: str = AuthorOption,
    store: Path = StoreOption,
    wait: float = WaitOption,
) -> None:
    """Import many records at once, all or nothing, with the failure table of kvarter load."""
    result = _registry(store, wait).import_file(file, author=author or _default_author(), reason=reason)
    _print_frame(result.table, f"{file}: {result.count('added')} added, {result.count('updated')} updated, "
                               f"{result.count('unchanged')} unchanged")


@app.command("export")
def export(
    file: Path = typer.Argument(..., help="File to write: .yaml, .json (everything) or .csv (initiatives)."),
    as_of: str = typer.Option(None, "--as-of", help="The registry as recorded at this date or time."),
    active: bool = typer.Option(False, "--active", help="Leave withdrawn records out."),
    store: Path = StoreOption,
    wait: float = WaitOption,
) -> None:
    """Export the registry to YAML, JSON or CSV; kvarter registry import reads it back."""
    path = _registry(store, wait).export(file, as_of=as_of, include_withdrawn=not active)
    _console().print(f"Wrote {path}.", highlight=False)


@app.command("search")
def search(
    text: str = typer.Argument(..., help="Words that must all occur (in names, descriptions, partners, experiences, ...)."),
    as_of: str = typer.Option(None, "--as-of", help="The registry as recorded at this date or time."),
    store: Path = StoreOption,
    wait: float = WaitOption,
) -> None:
    """Search initiatives and experiences by words, best match first."""
    frame = _registry(store, wait).search(text, as_of)
    _print_frame(frame, f"{len(frame)} match(es) for {text!r}")


@app.command("what-works")
def what_works(
    area: str = typer.Argument(..., help="Area id whose screening criteria to match."),
    min_level: str = typer.Option("sms:3", "--min-level", help="Lowest evidence: scale:level (sms:3, som:2, nl_recognition:effective_good) or a strength 0-5."),
    year: int = typer.Option(None, "--year", help="Screening year (default: the area's latest)."),
    store: Path = StoreOption,
    wait: float = WaitOption,
) -> None:
    """What works for whom in areas like this one: documented effect, matching target groups, ranked."""
    frame = _registry(store, wait).what_works(area, min_level=min_level, year=year)
    _print_frame(frame, f"What works in areas like {area} (evidence at or above {min_level})",
                 ["rank", "initiative", "name", "matched_groups", "matched_criteria", "scale", "level", "effect",
                  "low", "high", "runs_here"])


@app.command("check")
def check(
    store: Path = StoreOption,
    wait: float = WaitOption,
) -> None:
    """Check the stored history: versions numbered 1..n, each change once, every version readable."""
    problems = _registry(store, wait).check()
    if problems:
        for p in problems:
            _console().print(f"[red]✗[/] {p}", highlight=False)
        raise typer.Exit(1)
    _console().print("The registry's history is consistent.")


def register(main_app: typer.Typer) -> None:
    """Add the ``registry`` command group to the ``kvarter`` app."""
    main_app.add_typer(app, name="registry")
