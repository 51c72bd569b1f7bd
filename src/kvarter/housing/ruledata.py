"""Reading the housing rule files (pathways, checklist, instruments, budgets).

Every file is YAML with a header (``kind``, ``version``, ``id``, ``source``)
validated by a Pydantic model. An invalid file raises one
:class:`~kvarter.errors.RuleError` that names the file, the line, the path
inside the file, the value found and what was expected, for every mistake in
it — so a housing coordinator who mistypes a field name is told where.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from kvarter.errors import RuleError

RULE_DIR = Path(__file__).parent / "rules"

M = TypeVar("M", bound=BaseModel)


def _line_of(node, loc: tuple) -> int | None:
    """The 1-based line of the YAML node at ``loc`` (the deepest node that exists)."""
    line = None if node is None else node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for key, value in node.value:
                if key.value == part:
                    nxt, line = value, key.start_mark.line + 1
                    break
            if nxt is None:
                return line
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _format_loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not str(part).startswith(("function-", "tagged-union")):
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def model_errors(exc: ValidationError, source: str, root=None, what: str = "rule file") -> RuleError:
    """One :class:`~kvarter.errors.RuleError` listing every validation error with its line.

    >>> from pydantic import BaseModel, ConfigDict
    >>> class M(BaseModel):
    ...     model_config = ConfigDict(extra="forbid")
    ...     rate: float
    >>> text = "rate: 0.05\\nrat: 1\\n"
    >>> try:
    ...     M.model_validate(yaml.safe_load(text))
    ... except ValidationError as exc:
    ...     print(model_errors(exc, "x.yaml", yaml.compose(text)))
    Invalid rule file x.yaml: line 2 @ rat: 1 — extra inputs are not permitted.
    """
    parts = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not str(p).startswith(("function-", "tagged-union")))
        line = _line_of(root, loc)
        msg = err["msg"]
        for prefix, repl in (("Input should be ", "expected "), ("Value error, ", ""), ("Extra inputs", "extra inputs")):
            if msg.startswith(prefix):
                msg = repl + msg[len(prefix):]
        got = err.get("input")
        shown = "" if err["type"] in ("missing", "value_error") or isinstance(got, dict | list) else f"{got!r} — "
        where = f"line {line} @ " if line else "@ "
        parts.append(f"{where}{_format_loc(loc)}: {shown}{msg}")
    return RuleError(f"Invalid {what} {source}: " + "; ".join(parts) + ".")


def read_model(path: str | Path, model: type[M], what: str) -> M:
    """Read a YAML file and validate it as ``model``; errors name the file and line.

    >>> from kvarter.housing.finance import Budget
    >>> read_model(RULE_DIR / "budget-nav-2024.yaml", Budget, "budget").adults.one
    7850.0
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleError(f"Cannot read {what} {path}: {exc.strerror or exc}.") from None
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise RuleError(f"Invalid YAML in {what} {path}{where}: {getattr(exc, 'problem', exc)}.") from None
    if not isinstance(data, dict):
        raise RuleError(f"Invalid {what} {path}: expected a mapping with kind, version, id, ...; got {type(data).__name__}.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise model_errors(exc, str(path), root, what) from None


def resolve(name: str | Path, prefix: str, what: str) -> Path:
    """A built-in rule file by short name (``rules/<prefix><name>.yaml``) or a path.

    >>> resolve("husbanken-5", "pathways-", "pathway rules").name
    'pathways-husbanken-5.yaml'
    """
    builtin = RULE_DIR / f"{prefix}{name}.yaml"
    if builtin.is_file():
        return builtin
    path = Path(name)
    if path.is_file():
        return path
    known = sorted(p.stem.removeprefix(prefix) for p in RULE_DIR.glob(f"{prefix}*.yaml"))
    raise RuleError(f"Unknown {what} {str(name)!r}: not a built-in ({', '.join(known)}) and no such file.")
