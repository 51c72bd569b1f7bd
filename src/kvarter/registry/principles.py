"""Principle sets as versioned YAML: Gentofte's ten principles built in, a user's own from a file.

A principle set names its source, its themes and its principles; each
principle has outcome statements ("where are we when the principle is
implemented?") with the catalogue indicators that can show them. Initiatives
refer to a principle as ``set:number`` (``gentofte:3``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from kvarter.errors import RuleError
from kvarter.registry.checks import field_path
from kvarter.registry.models import PrincipleSet

PRINCIPLES_DIR = Path(__file__).parent / "principles"

#: Built-in principle sets by id.
BUILTIN_PRINCIPLE_SETS: dict[str, Path] = {"gentofte": PRINCIPLES_DIR / "gentofte.yaml"}


def principle_set_from_dict(data, source: str = "principle set") -> PrincipleSet:
    """Validate a parsed principle set; errors name ``source`` and the path inside it.

    >>> principle_set_from_dict({"id": "x", "title": {"en": "X"}, "source": {"document": "d"},
    ...     "principles": [{"number": 1, "title": {"en": "A"}, "text": {"en": "a"}},
    ...                    {"number": 1, "title": {"en": "B"}, "text": {"en": "b"}}]}, "x.yaml")
    Traceback (most recent call last):
    ...
    kvarter.errors.RuleError: Invalid principle set in x.yaml @ principles: principle number 1 is listed twice (again at [1]).
    """
    if not isinstance(data, dict):
        raise RuleError(f"Invalid principle set in {source}: expected a mapping with kind, version, id, ...; "
                        f"got {type(data).__name__}.")
    try:
        return PrincipleSet.model_validate(data)
    except ValidationError as exc:
        msgs = []
        for err in exc.errors(include_url=False):
            path = (err.get("ctx") or {}).get("field") or field_path(err["loc"])
            msgs.append(f"{path}: {err['msg']}")
        raise RuleError(f"Invalid principle set in {source} @ " + "; @ ".join(msgs) + ".") from None


def read_principle_set(path: str | Path) -> PrincipleSet:
    """A principle set from a YAML file.

    >>> read_principle_set(BUILTIN_PRINCIPLE_SETS["gentofte"]).refs()[:3]
    ['gentofte:1', 'gentofte:2', 'gentofte:3']
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RuleError(f"Invalid principle set in {path}: not valid YAML ({exc}).") from None
    except OSError as exc:
        raise RuleError(f"Cannot read principle set {path}: {exc}.") from None
    return principle_set_from_dict(data, str(path))


@cache
def builtin_principle_sets() -> dict[str, PrincipleSet]:
    """The built-in principle sets by id.

    >>> gentofte = builtin_principle_sets()["gentofte"]
    >>> len(gentofte.principles), gentofte.principles[2].title.da
    (10, 'Innovation og dokumentation')
    """
    return {key: read_principle_set(path) for key, path in BUILTIN_PRINCIPLE_SETS.items()}


def principle_set_to_yaml(principle_set: PrincipleSet) -> str:
    """The set as YAML that :func:`principle_set_from_dict` reads back unchanged.

    >>> ps = builtin_principle_sets()["gentofte"]
    >>> principle_set_from_dict(yaml.safe_load(principle_set_to_yaml(ps))) == ps
    True
    """
    data = principle_set.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
