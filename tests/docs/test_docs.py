"""Docs that tests keep honest: the CLI reference, the settings table, the docs index."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_cli_reference_is_current():
    from kvarter.cli.reference import cli_reference

    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == cli_reference(), (
        "docs/cli.md is stale: run `.venv/bin/python -m kvarter.cli.reference > docs/cli.md`"
    )


def test_every_command_has_help_and_is_in_the_readme():
    import typer.main
    from click import Context

    from kvarter.cli.main import app

    group = typer.main.get_command(app)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in group.list_commands(Context(group)):
        cmd = group.get_command(Context(group), name)
        assert (cmd.help or "").strip(), f"kvarter {name} has no help text"
        assert f"kvarter {name}" in readme or name in ("synth", "load"), f"README does not mention kvarter {name}"


def test_every_setting_is_declared_and_documented():
    from kvarter.settings import SETTINGS, Settings

    declared = {s.name for s in SETTINGS}
    assert declared == set(Settings.model_fields)
    for s in SETTINGS:
        assert s.help.strip(), s.name
        assert getattr(Settings(), s.name) == (type(getattr(Settings(), s.name))(s.default)), s.name
