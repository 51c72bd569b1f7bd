"""The command-line reference, generated from the commands' own ``--help``.

``python -m kvarter.cli.reference > docs/cli.md`` rewrites it; a test fails
when the file and the commands disagree.
"""

from __future__ import annotations

import typer.main
from click import Context


def cli_reference() -> str:
    """Markdown with one section per command: its help text and options.

    >>> "## kvarter load" in cli_reference()
    True
    """
    from kvarter.cli.main import app

    group = typer.main.get_command(app)
    lines = ["# Command-line reference", "",
             "Generated from the commands' `--help` by `python -m kvarter.cli.reference`; "
             "a test keeps it in step.", ""]
    commands = []
    for name in group.list_commands(Context(group)):
        cmd = group.get_command(Context(group), name)
        commands.append((name, cmd))
        # A command group (kvarter registry ...) lists each sub-command too.
        if hasattr(cmd, "list_commands"):
            commands += [(f"{name} {sub}", cmd.get_command(Context(cmd), sub)) for sub in cmd.list_commands(Context(cmd))]
    for name, cmd in commands:
        lines += [f"## kvarter {name}", "", (cmd.help or "").strip(), "", "| option | help |", "| --- | --- |"]
        for p in cmd.params:
            if getattr(p, "hidden", False):
                continue
            opts = ", ".join(f"`{o}`" for o in [*p.opts, *getattr(p, "secondary_opts", [])])
            default = "" if p.default in (None, False) or callable(p.default) else f" (default: `{p.default}`)"
            help_text = (getattr(p, "help", None) or "").replace("|", "\\|")
            lines.append(f"| {opts} | {help_text}{default} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(cli_reference(), end="")
