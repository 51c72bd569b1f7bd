"""Find initiatives and experiences by words: every word must occur, in any field.

Matching is case-insensitive on whole text (``"lektie"`` finds
"Lektiecafé"); target groups match by id and by their names in the four
languages, so ``"ledige"`` finds initiatives for the ``unemployed``; areas
match by id and by name (``"vangede"`` finds what runs in Vangede By). A hit in
a name or title weighs 3, in areas, target groups, principles or partners 2,
anywhere else 1; results are ranked by that score.
"""

from __future__ import annotations

import re

import pandas as pd

from kvarter.registry.targets import target_groups

SEARCH_COLUMNS = ["kind", "id", "name", "score", "fields", "withdrawn"]


def _areas(data: dict, names: dict[str, str]) -> str:
    return " ".join(f"{a} {names.get(a, '')}" for a in data.get("areas", []))


def _fields(kind: str, data: dict, names: dict[str, str]) -> dict[str, tuple[str, int]]:
    if kind == "initiative":
        groups = []
        for g in data.get("target_groups", []):
            labels = target_groups()[g].labels.values() if g in target_groups() else []
            groups.append(" ".join([g, *labels]))
        evidence = " ".join(" ".join(str(e.get(k) or "") for k in ("design", "measure", "source", "note", "assessor"))
                            for e in data.get("evidence", []))
        return {
            "name": (data.get("name", ""), 3),
            "areas": (_areas(data, names), 2),
            "target_groups": (" ".join(groups), 2),
            "principles": (" ".join(data.get("principles", [])), 2),
            "partners": (" ".join(f"{p.get('name', '')} {p.get('role', '')}" for p in data.get("partners", [])), 2),
            "description": (data.get("description", ""), 1),
            "outcomes": (" ".join(o.get("indicator", "") for o in data.get("outcomes", [])), 1),
            "evidence": (evidence, 1),
            "status": (data.get("status", ""), 1),
        }
    return {
        "title": (data.get("title", ""), 3),
        "areas": (_areas(data, names), 2),
        "initiative": (data.get("initiative") or "", 2),
        "worked": (data.get("worked", ""), 1),
        "did_not_work": (data.get("did_not_work", ""), 1),
        "lesson": (data.get("lesson", ""), 1),
    }


def score_record(kind: str, data: dict, words: list[str], area_names: dict[str, str] | None = None
                 ) -> tuple[int, list[str]]:
    """``(score, fields that matched)`` of one record for ``words`` (casefolded); 0 unless every word occurs.

    >>> score_record("initiative", {"name": "Lektiecafé", "target_groups": ["children"]}, ["lektie", "børn"])
    (5, ['name', 'target_groups'])
    >>> score_record("initiative", {"name": "Lektiecafé"}, ["lektie", "jobcenter"])
    (0, [])
    """
    fields = {k: (text.casefold(), w) for k, (text, w) in _fields(kind, data, area_names or {}).items()}
    score, hit = 0, []
    for word in words:
        found = [(k, w) for k, (text, w) in fields.items() if word in text]
        if not found:
            return 0, []
        score += max(w for _, w in found)
        hit += [k for k, _ in found if k not in hit]
    return score, hit


def search_rows(rows, text: str, *, include_withdrawn: bool = False,
                area_names: dict[str, str] | None = None) -> pd.DataFrame:
    """Rank stored versions (objects with ``kind``, ``record_id``, ``data``) against ``text``;
    ``area_names`` (id to name) lets a word match an area's name.

    >>> from types import SimpleNamespace as R
    >>> rows = [R(kind="initiative", record_id="a", data={"name": "Fritidsjob til unge", "target_groups": ["youth"]}),
    ...         R(kind="experience", record_id="b", data={"title": "Unge og job", "worked": "fritidsjob"})]
    >>> search_rows(rows, "fritidsjob unge")[["id", "score"]].values.tolist()
    [['a', 6], ['b', 4]]
    """
    words = [w for w in re.split(r"\s+", str(text).casefold().strip()) if w]
    if not words:
        from kvarter.errors import InputError

        raise InputError("search needs at least one word.")
    out = []
    for r in rows:
        if r.data.get("withdrawn") and not include_withdrawn:
            continue
        score, fields = score_record(r.kind, r.data, words, area_names)
        if score:
            out.append({"kind": r.kind, "id": r.record_id, "name": r.data.get("name") or r.data.get("title", ""),
                        "score": score, "fields": ", ".join(fields), "withdrawn": bool(r.data.get("withdrawn"))})
    frame = pd.DataFrame(out, columns=SEARCH_COLUMNS)
    frame["score"] = frame["score"].astype("int64")
    order = frame["kind"].map({"initiative": 0, "experience": 1})
    return (frame.assign(_order=order).sort_values(["score", "_order", "id"], ascending=[False, True, True])
            .drop(columns="_order").reset_index(drop=True))
