"""YAML files read once: rule sets and catalogues are loaded by id dozens of
times in one job (every year, every rule set that reads another's lists), and
parsing them again each time was a tenth of the demo."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

#: Parsed files by (resolved path, modification time, size): an edited file is read again.
_PARSED: dict[tuple, object] = {}


def parsed_yaml(path: Path):
    """The parsed contents of the YAML file at ``path``, as a fresh copy the
    caller may change; raises ``OSError`` or ``yaml.YAMLError`` as reading would.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "x.yaml"
    >>> _ = p.write_text("a: [1, 2]", encoding="utf-8")
    >>> first = parsed_yaml(p); first["a"].append(3)
    >>> parsed_yaml(p)
    {'a': [1, 2]}
    """
    path = Path(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    if key not in _PARSED:
        if len(_PARSED) > 64:
            _PARSED.clear()
        _PARSED[key] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return copy.deepcopy(_PARSED[key])
