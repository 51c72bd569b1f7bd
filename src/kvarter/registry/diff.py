"""The difference between two versions of a record, field by field.

Lists of records that carry an ``id`` (evidence) are matched by id, so
adding one evaluation shows as one added item, not as every later item
changed; other lists and values compare whole.
"""

from __future__ import annotations


def _is_keyed(values) -> bool:
    return (
        isinstance(values, list) and bool(values)
        and all(isinstance(v, dict) and isinstance(v.get("id"), str) for v in values)
    )


def diff_records(old: dict | None, new: dict | None, prefix: str = "") -> list[tuple[str, object, object]]:
    """``(field, old value, new value)`` for every field that differs (``None`` for a field absent on one side).

    >>> diff_records({"name": "A", "areas": ["x"], "evidence": [{"id": "e1", "level": 2}]},
    ...              {"name": "A", "areas": ["x", "y"], "evidence": [{"id": "e1", "level": 3}, {"id": "e2", "level": 1}]})
    [('areas', ['x'], ['x', 'y']), ('evidence[e1].level', 2, 3), ('evidence[e2]', None, {'id': 'e2', 'level': 1})]
    """
    old, new = old or {}, new or {}
    out: list[tuple[str, object, object]] = []
    for key in list(old) + [k for k in new if k not in old]:
        a, b = old.get(key), new.get(key)
        path = f"{prefix}{key}"
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            out += diff_records(a, b, path + ".")
        elif (_is_keyed(a) or a in (None, [])) and (_is_keyed(b) or b in (None, [])) and (a or b):
            olds = {v["id"]: v for v in a or []}
            news = {v["id"]: v for v in b or []}
            for k in list(olds) + [k for k in news if k not in olds]:
                if k not in news:
                    out.append((f"{path}[{k}]", olds[k], None))
                elif k not in olds:
                    out.append((f"{path}[{k}]", None, news[k]))
                elif olds[k] != news[k]:
                    out += diff_records(olds[k], news[k], f"{path}[{k}].")
        else:
            out.append((path, a, b))
    return out
