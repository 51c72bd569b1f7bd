"""The one type that may leave kvarter: a table that has passed :func:`protect`.

``report/``, ``web/`` and the command line call :func:`ensure_protected` on
anything they are about to publish; a plain DataFrame, a hand-built
``Protected`` or one whose table was changed after protection is refused with
:class:`~kvarter.errors.DisclosureError`. Only :func:`kvarter.disclosure.protect`
holds the construction token, and every instance it makes is registered and
fingerprinted, so neither ``Protected(...)`` nor ``object.__new__(Protected)``
nor editing the private table gets a forged table past the door. (Python
cannot stop deliberate tampering with private attributes; the door is there
against mistakes, and ``kvarter check-output`` re-checks the files.)
"""

from __future__ import annotations

import hashlib
import json
import weakref
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kvarter.disclosure.attack import Knowledge
from kvarter.disclosure.policy import DisclosurePolicy
from kvarter.disclosure.relations import Relation, norm_key
from kvarter.errors import DisclosureError, InputError

from kvarter.disclosure.status import STATUSES, SUPPRESSED, CellStatus, Reason, public_status  # noqa: F401 (re-exported)
FORMAT = "kvarter-disclosure/1"

_MINT_TOKEN = object()
_MINTED: "weakref.WeakSet[Protected]" = weakref.WeakSet()

REASONS = {
    "en": {
        "linked": "depends on a figure suppressed in another published table",
        "linked_on": "depends on the suppressed cell {cell} of the published table '{table}'",
        "persons": "fewer than {min} persons",
        "numerator": "fewer than {min} persons in the numerator",
        "complement": "fewer than {min} persons outside the numerator",
        "dominance": "dominance: the largest {n} contributors hold more than {k} of the sum",
        "secondary": "complement of a suppressed cell in total '{relation}'",
        "structural_zero": "no persons (structural zero)",
    },
    "da": {
        "linked": "afhænger af et tal, der er udeladt i en anden offentliggjort tabel",
        "linked_on": "afhænger af den udeladte celle {cell} i den offentliggjorte tabel '{table}'",
        "persons": "færre end {min} personer",
        "numerator": "færre end {min} personer i tælleren",
        "complement": "færre end {min} personer uden for tælleren",
        "dominance": "dominans: de {n} største bidragydere har mere end {k} af summen",
        "secondary": "komplement til en diskretioneret celle i totalen '{relation}'",
        "structural_zero": "ingen personer (strukturelt nul)",
    },
    "no": {
        "linked": "avhenger av et tall som er skjult i en annen publisert tabell",
        "linked_on": "avhenger av den skjulte cellen {cell} i den publiserte tabellen '{table}'",
        "persons": "færre enn {min} personer",
        "numerator": "færre enn {min} personer i telleren",
        "complement": "færre enn {min} personer utenfor telleren",
        "dominance": "dominans: de {n} største bidragsyterne har mer enn {k} av summen",
        "secondary": "komplement til en skjult celle i totalen '{relation}'",
        "structural_zero": "ingen personer (strukturell null)",
    },
    "nl": {
        "linked": "hangt af van een cijfer dat in een andere gepubliceerde tabel is onderdrukt",
        "linked_on": "hangt af van de onderdrukte cel {cell} in de gepubliceerde tabel '{table}'",
        "persons": "minder dan {min} personen",
        "numerator": "minder dan {min} personen in de teller",
        "complement": "minder dan {min} personen buiten de teller",
        "dominance": "dominantie: de {n} grootste bijdragers hebben meer dan {k} van de som",
        "secondary": "complement van een onderdrukte cel in totaal '{relation}'",
        "structural_zero": "geen personen (structurele nul)",
    },
}

#: The reason as published, by language: one text for every rule, so the
#: reason gives no bound away (see :class:`~kvarter.disclosure.status.CellStatus`);
#: a cell hidden because it rests on a cell of another table says so.
PUBLIC_REASONS = {
    "en": "to protect the confidentiality of persons",
    "da": "af hensyn til diskretion",
    "no": "av hensyn til personvern",
    "nl": "ter bescherming van de privacy",
}


def public_reason(code: str, params: dict, policy: DisclosurePolicy, lang: str = "en") -> str:
    """A reason as published: the table-dependency of a linked cell, else one
    text for every rule; empty for a published cell.

    >>> public_reason("numerator", {}, DisclosurePolicy())
    'to protect the confidentiality of persons'
    >>> public_reason("structural_zero", {}, DisclosurePolicy(), "da")
    'ingen personer (strukturelt nul)'
    """
    if code in ("published", "structural_zero", "linked"):
        return reason_text(code, params, policy, lang)
    if lang not in PUBLIC_REASONS:
        raise InputError(f"Unknown language {lang!r}; expected one of {sorted(PUBLIC_REASONS)}.")
    return PUBLIC_REASONS[lang]


def worded_codes(codes, word, policy: DisclosurePolicy, lang: str = "en") -> list[str]:
    """``[word(code, params, policy, lang) for code, params in codes]``, each
    distinct (code, parameters) worded once: a large table has a handful.

    >>> worded_codes([("published", {}), ("persons", {}), ("persons", {})], reason_text, DisclosurePolicy())
    ['', 'fewer than 5 persons', 'fewer than 5 persons']
    """
    done: dict = {}
    out = []
    for code, params in codes:
        try:
            key = (code, *sorted(params.items()))
            text = done.get(key)
            if text is None:
                text = done[key] = word(code, params, policy, lang)
        except TypeError:  # a parameter that cannot be a key: worded on its own
            text = word(code, params, policy, lang)
        out.append(text)
    return out


#: How a suppressed and an empty cell are shown to people.
SUPPRESSED_MARK = ".."
EMPTY_MARK = "–"

_SEPARATORS = {"en": (",", "."), "da": (".", ","), "no": ("\u00a0", ","), "nl": (".", ",")}


def reason_text(code: str, params: dict, policy: DisclosurePolicy, lang: str = "en") -> str:
    """A reason code rendered for people.

    >>> reason_text("persons", {}, DisclosurePolicy(), "da")
    'færre end 5 personer'
    >>> reason_text("secondary", {"relation": "Demoby 2023"}, DisclosurePolicy())
    "complement of a suppressed cell in total 'Demoby 2023'"
    >>> reason_text("published", {}, DisclosurePolicy())
    ''
    >>> reason_text("linked", {"table": "indicators", "cell": "residents (area A, 2024)"}, DisclosurePolicy())
    "depends on the suppressed cell residents (area A, 2024) of the published table 'indicators'"
    """
    if code == "published":
        return ""
    if lang not in REASONS:
        raise InputError(f"Unknown language {lang!r}; expected one of {sorted(REASONS)}.")
    pct = f"{policy.dominance_k * 100:g}" + ("%" if lang == "en" else " %")
    if lang != "en":
        pct = pct.replace(".", ",")
    if code == "linked" and params.get("cell"):
        code = "linked_on"  # the table and cell it rests on are known: name them
    return REASONS[lang][code].format(
        min=policy.min_count, n=policy.dominance_n, k=pct, relation=params.get("relation", ""),
        table=params.get("table", ""), cell=params.get("cell", ""),
    )


def format_number(value, lang: str = "en") -> str:
    """A number for display: thousands separated, at most three decimals, the decimal comma where it belongs.

    >>> format_number(1234.5, "da"), format_number(0.25, "en"), format_number(12.0, "nl")
    ('1.234,5', '0.25', '12')
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if not isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    text = f"{float(value):,.3f}".rstrip("0").rstrip(".")
    thousands, decimal = _SEPARATORS.get(lang, _SEPARATORS["en"])
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


@dataclass(frozen=True)
class PublishedView:
    """A published table as anyone outside sees it: the frame with its status
    columns and the description written beside it. Made by
    :meth:`Protected.published_view` and by :func:`read_published`."""

    frame: pd.DataFrame
    policy: DisclosurePolicy
    key: tuple
    value_columns: tuple
    count_column: str
    numerator_column: str | None
    sum_column: str | None
    relations: tuple
    name: str = "table"
    sums_nonnegative: bool = True

    @property
    def stat_column(self) -> str | None:
        """The column whose status stands for the row's statistics (not its count)."""
        for c in (self.numerator_column, self.sum_column, *self.value_columns):
            if c and c != self.count_column:
                return c
        return None

    def published_view(self) -> "PublishedView":
        return self

    def knowledge(self, relations=None) -> Knowledge:
        """The intruder's knowledge: published values, unknowns where suppressed."""
        f = self.frame
        labels = list(f[list(self.key)].itertuples(index=False, name=None))
        count_hidden = f[f"{self.count_column}_status"].isin(SUPPRESSED).to_numpy()
        stat = self.stat_column
        stat_hidden = f[f"{stat}_status"].isin(SUPPRESSED).to_numpy() if stat else count_hidden.copy()
        stat_hidden = stat_hidden | count_hidden
        nan = np.full(len(f), np.nan)
        x = f[self.numerator_column].to_numpy(float) if self.numerator_column else nan
        s = f[self.sum_column].to_numpy(float) if self.sum_column else nan
        reasons = f[f"{stat}_reason"].fillna("").astype(str) if stat else pd.Series([""] * len(f))
        dominance = reasons.str.startswith("dominance").to_numpy() & stat_hidden
        rels = self.relations if relations is None else tuple(relations)
        return Knowledge(
            labels=labels,
            n=f[self.count_column].to_numpy(float),
            x=np.where(stat_hidden, np.nan, x),
            s=np.where(stat_hidden, np.nan, s),
            has_x=self.numerator_column is not None,
            has_s=self.sum_column is not None,
            count_hidden=count_hidden,
            stat_hidden=stat_hidden,
            dominance=dominance,
            relations=resolve_relations(rels, labels, self.name),
            s_nonneg=self.sums_nonnegative,
        )

    def description(self) -> dict:
        """What is written beside the published file (``<file>.disclosure.json``)."""
        return {
            "format": FORMAT,
            "name": self.name,
            "policy": self.policy.to_dict(),
            "key": list(self.key),
            "value_columns": list(self.value_columns),
            "count_column": self.count_column,
            "numerator_column": self.numerator_column,
            "sum_column": self.sum_column,
            "sums_nonnegative": self.sums_nonnegative,
            "relations": [r.to_dict() for r in self.relations],
        }


_UNSEEN = object()


def resolve_relations(relations, labels: list[tuple], source: str) -> list[tuple]:
    """Relations with keys replaced by row positions, as ``(name, total, parts,
    complete, minus, persons_only)``; an unknown key is an error naming it.

    >>> from kvarter.disclosure import partition
    >>> resolve_relations([partition("all", "Demoby", ["A", "B"])],
    ...                   [("A",), ("Demoby",), ("B",)], "persons.csv")
    [('all', 1, [0, 2], True, [], False)]
    """
    index = {norm_key(lab): i for i, lab in enumerate(labels)}
    found: dict = {}
    out = []
    for rel in relations:
        if not isinstance(rel, Relation):
            raise InputError(f"relations for {source} must be Relation objects; got {type(rel).__name__}.")
        pos = []
        for k in (rel.total, *rel.parts, *rel.minus):
            # A row is a member of several relations (its geography, its identities): found once.
            i = found.get(k, _UNSEEN)
            if i is _UNSEEN:
                i = found[k] = index.get(norm_key(k))
            if i is None:
                raise InputError(
                    f"Relation {rel.name!r} of {source} names row {k!r}, which is not in the table "
                    "(keys are matched on all key columns, in key order)."
                )
            pos.append(i)
        n_parts = 1 + len(rel.parts)
        out.append((rel.name, pos[0], pos[1:n_parts], rel.complete, pos[n_parts:], rel.persons_only))
    return out


class Protected:
    """A table that has passed disclosure control; only :func:`protect` makes one.

    ``frame`` (a copy) holds the key, the values (suppressed ones as NaN, never
    0), and for every value column ``<col>_status`` (one of :data:`STATUSES`)
    and ``<col>_reason``.

    >>> import pandas as pd
    >>> Protected(None, frame=pd.DataFrame())
    Traceback (most recent call last):
    ...
    kvarter.errors.DisclosureError: Protected tables are made only by kvarter.disclosure.protect(); ...
    """

    __slots__ = ("_frame", "_view", "_codes", "_fingerprint", "__weakref__")

    def __init__(self, token, *, frame: pd.DataFrame, view_args: dict | None = None, codes=None):
        if token is not _MINT_TOKEN:
            raise DisclosureError(
                "Protected tables are made only by kvarter.disclosure.protect(); "
                "pass the table through protect(...) instead of building Protected directly."
            )
        frame = frame.copy()
        object.__setattr__(self, "_frame", frame)
        object.__setattr__(self, "_view", PublishedView(frame=frame, **(view_args or {})))
        object.__setattr__(self, "_codes", codes)
        object.__setattr__(self, "_fingerprint", _fingerprint(frame))
        _MINTED.add(self)

    def __init_subclass__(cls, **kwargs):
        raise DisclosureError("Protected cannot be subclassed; only protect() makes protected tables.")

    def __setattr__(self, name, value):
        raise DisclosureError(f"Protected tables are immutable (tried to set {name!r}).")

    def __delattr__(self, name):
        raise DisclosureError(f"Protected tables are immutable (tried to delete {name!r}).")

    def __reduce__(self):
        raise DisclosureError(
            "Protected tables cannot be pickled; write them with to_csv/to_parquet, "
            "or protect the table again where it is needed."
        )

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __len__(self) -> int:
        return len(self._frame)

    def __repr__(self) -> str:
        st = self.status_counts()
        return f"<Protected {self.name!r}: {len(self)} rows, " + ", ".join(f"{k} {v}" for k, v in st.items()) + ">"

    @property
    def frame(self) -> pd.DataFrame:
        """A copy of the published table, with status and reason columns."""
        return self._frame.copy()

    @property
    def policy(self) -> DisclosurePolicy:
        return self._view.policy

    @property
    def name(self) -> str:
        return self._view.name

    @property
    def key(self) -> list[str]:
        return list(self._view.key)

    @property
    def value_columns(self) -> list[str]:
        return list(self._view.value_columns)

    @property
    def relations(self) -> list[Relation]:
        return list(self._view.relations)

    def published_view(self) -> PublishedView:
        """The table as anyone outside sees it (what :func:`attack` works on)."""
        ensure_protected(self, "published_view")
        return PublishedView(frame=self._frame.copy(), **_view_args(self._view))

    def status_counts(self) -> dict[str, int]:
        """Cells per status over all value columns."""
        # kvarter's own record: primary and secondary apart.
        counts = {s: 0 for s in STATUSES if s != CellStatus.SUPPRESSED}
        for c in self._view.value_columns:
            for k, v in self._frame[f"{c}_status"].value_counts().items():
                counts[k] += int(v)
        return counts

    def suppression_summary(self, lang: str = "en", *, public: bool = True) -> pd.DataFrame:
        """What was suppressed and why: one row per column, status and reason, with a cell count.

        For a report's methods section: ``public`` (the default) counts the
        statuses and reasons as published, so that a column with a single
        suppressed cell does not name that cell's rule; ``public=False`` gives
        kvarter's own record of the rules.
        """
        rows = []
        for c in self._view.value_columns:
            st = self._frame[f"{c}_status"]
            if public:
                st = st.map(public_status)
            reasons = self._reasons(c, lang) if public else self.rule_reasons(c, lang)
            sub = pd.DataFrame({"column": c, "status": st, "reason": reasons})
            sub = sub[sub["status"] != "published"]
            rows.append(sub)
        df = pd.concat(rows) if rows else pd.DataFrame(columns=["column", "status", "reason"])
        return (
            df.groupby(["column", "status", "reason"], sort=True).size().rename("cells").reset_index()
        )

    def _reasons(self, column: str, lang: str) -> list[str]:
        """The published reasons of ``column`` (see :func:`public_reason`)."""
        which = 0 if column == self._view.count_column else 1
        return worded_codes([c[which] for c in self._codes], public_reason, self.policy, lang)

    def rule_reasons(self, column: str, lang: str = "en") -> list[str]:
        """The rule behind each cell of ``column``, for kvarter's own record
        (never published: a rule names a bound).

        >>> import pandas as pd
        >>> from kvarter.disclosure import DisclosurePolicy, protect
        >>> p = protect(pd.DataFrame({"a": ["A"], "n": [3]}), DisclosurePolicy(), key=["a"],
        ...             value_columns=["n"], count_column="n")
        >>> p.rule_reasons("n")
        ['fewer than 5 persons']
        """
        which = 0 if column == self._view.count_column else 1
        return worded_codes([c[which] for c in self._codes], reason_text, self.policy, lang)

    def public_frame(self, lang: str = "en") -> pd.DataFrame:
        """The table as it leaves the program: statuses ``published``,
        ``suppressed`` or ``structural_zero``, reasons as :func:`public_reason`
        words them in ``lang``, suppressed values empty.

        >>> import pandas as pd
        >>> from kvarter.disclosure import DisclosurePolicy, protect
        >>> p = protect(pd.DataFrame({"a": ["A", "B"], "n": [3, 40]}), DisclosurePolicy(), key=["a"],
        ...             value_columns=["n"], count_column="n")
        >>> p.public_frame()[["n_status", "n_reason"]].to_dict("list")
        {'n_status': ['suppressed', 'published'], 'n_reason': ['to protect the confidentiality of persons', '']}
        """
        ensure_protected(self, "Protected.public_frame")
        f = self._frame.copy()
        for c in self._view.value_columns:
            status = f[f"{c}_status"]
            f[f"{c}_status"] = status.map({s: public_status(s) for s in status.unique()}).tolist()
            f[f"{c}_reason"] = self._reasons(c, lang)
        return f

    def display_frame(self, lang: str = "en") -> pd.DataFrame:
        """The table for people: numbers formatted for ``lang``, suppressed cells as
        ``..`` and empty ones as ``–`` (never as zero), with the reason beside each.

        >>> import pandas as pd
        >>> from kvarter.disclosure import DisclosurePolicy, protect
        >>> t = pd.DataFrame({"area": ["A", "B", "C"], "persons": [3, 1200, 0]})
        >>> protect(t, DisclosurePolicy(), key=["area"], value_columns=["persons"],
        ...         count_column="persons").display_frame("da")
          area persons                    persons_reason
        0    A      ..          af hensyn til diskretion
        1    B   1.200
        2    C       –  ingen personer (strukturelt nul)
        """
        f = self._frame
        out = f[list(self._view.key)].copy()
        for c in self._view.value_columns:
            status = f[f"{c}_status"].to_numpy()
            shown = []
            for v, st in zip(f[c].to_numpy(), status):
                if st in SUPPRESSED:
                    shown.append(SUPPRESSED_MARK)
                elif st == "structural_zero":
                    shown.append(EMPTY_MARK)
                else:
                    shown.append(format_number(v, lang))
            out[c] = shown
            out[f"{c}_reason"] = self._reasons(c, lang)
        return out

    def to_csv(self, path) -> Path:
        """Write the table (with status and reason columns) and its description beside it.

        The description, ``<path>.disclosure.json``, names the policy, key,
        columns and relations, so that ``kvarter check-output`` can attack the
        file on its own.
        """
        ensure_protected(self, "Protected.to_csv")
        path = Path(path)
        self.public_frame().to_csv(path, index=False)
        self._write_description(path)
        return path

    def to_parquet(self, path) -> Path:
        """As :meth:`to_csv`, in Parquet."""
        ensure_protected(self, "Protected.to_parquet")
        path = Path(path)
        self.public_frame().to_parquet(path, index=False)
        self._write_description(path)
        return path

    def to_files(self, csv_path, parquet_path) -> tuple[Path, Path]:
        """As :meth:`to_csv` and :meth:`to_parquet` together, the public frame built once for both."""
        ensure_protected(self, "Protected.to_files")
        csv_path, parquet_path = Path(csv_path), Path(parquet_path)
        frame = self.public_frame()
        frame.to_csv(csv_path, index=False)
        self._write_description(csv_path)
        frame.to_parquet(parquet_path, index=False)
        self._write_description(parquet_path)
        return csv_path, parquet_path

    def _write_description(self, path: Path) -> None:
        description_path(path).write_text(
            json.dumps(self._view.description(), indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )


def _view_args(view: PublishedView) -> dict:
    return {
        "policy": view.policy, "key": view.key, "value_columns": view.value_columns,
        "count_column": view.count_column, "numerator_column": view.numerator_column,
        "sum_column": view.sum_column, "relations": view.relations, "name": view.name,
        "sums_nonnegative": view.sums_nonnegative,
    }


def _fingerprint(frame: pd.DataFrame) -> str:
    """A digest of the frame's columns, dtypes, index and every cell.

    Every publishing call checks it (hundreds per report), so the cells are
    hashed as the bytes they are stored in: a numeric column's array, an
    Arrow column's buffers (with its offset and length). Hashing the text
    values one by one (``hash_pandas_object`` on Arrow strings) was most of
    that time; other columns still go through it.
    """
    h = hashlib.blake2b(digest_size=32)
    h.update(repr([(c, str(t)) for c, t in frame.dtypes.items()]).encode())
    idx = frame.index
    if isinstance(idx, pd.RangeIndex):
        h.update(repr((idx.start, idx.stop, idx.step)).encode())
    else:
        h.update(pd.util.hash_pandas_object(idx, index=False).to_numpy().tobytes())
    for _, column in frame.items():
        arr = column.array
        if isinstance(arr, pd.arrays.NumpyExtensionArray) and arr.dtype.kind in "biufcmM":
            h.update(b"n")
            h.update(np.ascontiguousarray(arr.to_numpy()).view(np.uint8))
        elif hasattr(arr, "__arrow_array__"):
            data = arr.__arrow_array__()
            for chunk in getattr(data, "chunks", [data]):
                h.update(f"a{chunk.offset},{len(chunk)}".encode())
                dictionary = getattr(chunk, "dictionary", None)  # a dictionary array's values are not among its buffers
                for buf in chunk.buffers() + (dictionary.buffers() if dictionary is not None else []):
                    h.update(b"-" if buf is None else buf)
        else:
            h.update(b"o")
            h.update(pd.util.hash_pandas_object(column, index=False).to_numpy().tobytes())
    return h.hexdigest()


def _mint(frame: pd.DataFrame, view_args: dict, codes) -> Protected:
    return Protected(_MINT_TOKEN, frame=frame, view_args=view_args, codes=codes)


def ensure_protected(obj, where: str) -> Protected:
    """Return ``obj`` if it is a genuine, unchanged :class:`Protected`; raise otherwise.

    Every publishing function calls this first, naming itself in ``where``.

    >>> import pandas as pd
    >>> ensure_protected(pd.DataFrame({"persons": [3]}), "report.workbook")
    Traceback (most recent call last):
    ...
    kvarter.errors.DisclosureError: report.workbook publishes only tables protected by kvarter.disclosure.protect(); got a DataFrame. ...
    """
    if not isinstance(obj, Protected) or obj not in _MINTED:
        kind = "a DataFrame" if isinstance(obj, pd.DataFrame) else f"a {type(obj).__name__}"
        if isinstance(obj, Protected):
            kind = "a Protected that protect() did not make"
        raise DisclosureError(
            f"{where} publishes only tables protected by kvarter.disclosure.protect(); got {kind}. "
            "Pass the table through protect(table, policy, key=..., value_columns=..., count_column=...) first."
        )
    if _fingerprint(obj._frame) != obj._fingerprint:
        raise DisclosureError(
            f"{where}: the protected table {obj.name!r} was changed after protection; protect it again."
        )
    return obj


def description_path(path) -> Path:
    """Where the description of a published file lives.

    >>> description_path("out/indicators.csv").name
    'indicators.csv.disclosure.json'
    """
    path = Path(path)
    return path.with_name(path.name + ".disclosure.json")


def read_published(path) -> PublishedView:
    """Read a CSV or Parquet file written by :meth:`Protected.to_csv`/``to_parquet`` back, with its description.

    >>> import tempfile
    >>> from kvarter.disclosure import protect
    >>> t = pd.DataFrame({"area": ["A", "B"], "persons": [3, 17]})
    >>> p = protect(t, DisclosurePolicy(), key=["area"], value_columns=["persons"], count_column="persons")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = p.to_csv(f"{d}/persons.csv")
    ...     view = read_published(f"{d}/persons.csv")
    >>> view.key, view.frame["persons_status"].tolist(), view.frame["persons"].tolist()
    (('area',), ['suppressed', 'published'], [nan, 17.0])
    """
    path = Path(path)
    desc_path = description_path(path)
    if not desc_path.exists():
        raise DisclosureError(
            f"{path} has no disclosure description ({desc_path.name}); it was not written by "
            "kvarter's Protected.to_csv/to_parquet, so nothing shows it passed disclosure control. "
            "To check a table made by hand, name its count columns: "
            f"kvarter check-output {path.name} --counts COLUMN[,COLUMN...]."
        )
    try:
        d = json.loads(desc_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"Cannot read {desc_path}: {exc}") from None
    if d.get("format") != FORMAT:
        raise InputError(f"{desc_path} has format {d.get('format')!r}; expected {FORMAT!r}.")
    key = list(d["key"])
    value_columns = list(d["value_columns"])
    text = key + [f"{v}_{part}" for v in value_columns for part in ("status", "reason")]
    if path.suffix.lower() == ".parquet":
        frame = pd.read_parquet(path)
        for c in key:
            frame[c] = frame[c].astype(str)
    else:
        frame = pd.read_csv(path, dtype=dict.fromkeys(text, str), keep_default_na=False, na_values=[""])
    needed = key + [c for v in value_columns for c in (v, f"{v}_status", f"{v}_reason")]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError(f"{path} lacks column(s) {missing!r} named in {desc_path.name}.")
    for v in value_columns:
        frame[f"{v}_reason"] = frame[f"{v}_reason"].fillna("").astype(str)
        frame[f"{v}_status"] = frame[f"{v}_status"].astype(str)
        bad = sorted(set(frame[f"{v}_status"]) - set(STATUSES))
        if bad:
            raise InputError(f"{path} column {v}_status has unknown status(es) {bad!r}; expected {STATUSES!r}.")
    return PublishedView(
        frame=frame,
        policy=DisclosurePolicy(**d["policy"]),
        key=tuple(key),
        value_columns=tuple(value_columns),
        count_column=d["count_column"],
        numerator_column=d.get("numerator_column"),
        sum_column=d.get("sum_column"),
        relations=tuple(Relation.from_dict(r) for r in d.get("relations", [])),
        name=d.get("name", path.name),
        sums_nonnegative=bool(d.get("sums_nonnegative", True)),
    )
