"""The few SVG pieces the charts and the map share: escaping, elements,
colour scales, the hatch pattern for suppressed cells and stable ids."""

from __future__ import annotations

import hashlib
import math
from html import escape

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'

SUPPRESSED_FILL = "#d9d9d9"

#: Categorical colours (Okabe–Ito, readable by people with colour-vision deficiency).
CATEGORICAL = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")

#: The segregation heat-map's scale: dark green at 0, yellow in the middle, dark red at 0.8.
HEAT_STOPS: tuple[tuple[float, str], ...] = ((0.0, "#006837"), (0.4, "#ffe945"), (0.8, "#8b0000"))


#: Advance widths (em) of characters in DejaVu Sans, the widest of the common
#: system sans fonts (measured in Chromium with getComputedTextLength), so a
#: width estimated from them is an upper bound for Arial, Segoe UI or Roboto.
_WIDTHS: dict[str, float] = {
    **dict.fromkeys("iIjJl'", 0.3), **dict.fromkeys(" ,.:;|/\\", 0.35), **dict.fromkeys("-()[]ftr!", 0.42),
    **dict.fromkeys("\"TY*_`–", 0.5), **dict.fromkeys("Fsz?", 0.54), **dict.fromkeys("ckLPvxy", 0.6),
    **dict.fromkeys("0123456789$abdeghnopquåøESK{}V", 0.65), **dict.fromkeys("ABRXZÅ", 0.7),
    **dict.fromkeys("CHNUw&", 0.82), **dict.fromkeys("DGOQØ#+<=>^~×M", 0.87), **dict.fromkeys("W%mæÆ@—", 1.0),
}


def text_width(text, size: float = 12, *, bold: bool = False) -> float:
    """Estimated width of ``text`` in ``size`` px of the report's font: the sum
    of per-character widths (:data:`_WIDTHS`; 0.7 em for others), 10 % more
    in bold. Charts size their margins to the longest label with it.

    >>> round(text_width("GM0001"), 2), round(text_width("iiii"), 2), round(text_width("Aby", 14, bold=True), 2)
    (52.08, 14.4, 30.03)
    """
    em = sum(_WIDTHS.get(c, 0.7) for c in str(text))
    return em * size * (1.1 if bold else 1.0)


def esc(text) -> str:
    """Escape text for SVG/HTML content and attribute values.

    >>> esc('a < b & "c"')
    'a &lt; b &amp; &quot;c&quot;'
    """
    return escape(str(text), quote=True)


def el(tag: str, attrs: dict | None = None, *children: str) -> str:
    """One element; attributes whose value is ``None`` are left out.

    >>> el("rect", {"x": 1, "y": 2.5, "fill": None})
    '<rect x="1" y="2.5"/>'
    >>> el("text", {"x": 0}, "a &amp; b")
    '<text x="0">a &amp; b</text>'
    """
    parts = [tag]
    for key, value in (attrs or {}).items():
        if value is None:
            continue
        if isinstance(value, float):
            value = fmt(value)
        parts.append(f'{key.replace("_", "-")}="{esc(value)}"')
    head = " ".join(parts)
    if not children:
        return f"<{head}/>"
    return f"<{head}>{''.join(children)}</{tag}>"


def fmt(x: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros.

    >>> fmt(3.14159), fmt(2.0), fmt(-0.001)
    ('3.14', '2', '0')
    """
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def uid(prefix: str, *content) -> str:
    """A stable id from the content, so two charts on one page never share ids
    and the same input gives the same output.

    >>> uid("heat", "a", 1) == uid("heat", "a", 1) != uid("heat", "a", 2)
    True
    """
    digest = hashlib.sha1(repr(content).encode()).hexdigest()[:8]
    return f"kv-{prefix}-{digest}"


def hatch_pattern(pattern_id: str) -> str:
    """A grey diagonal hatch used for every suppressed cell, bar or point.

    >>> hatch_pattern("kv-hatch")
    '<pattern id="kv-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#d9d9d9"/><line x1="0" y1="0" x2="0" y2="6" stroke="#8c8c8c" stroke-width="2"/></pattern>'
    """
    return el(
        "pattern",
        {"id": pattern_id, "width": 6, "height": 6, "patternUnits": "userSpaceOnUse",
         "patternTransform": "rotate(45)"},
        el("rect", {"width": 6, "height": 6, "fill": SUPPRESSED_FILL}),
        el("line", {"x1": 0, "y1": 0, "x2": 0, "y2": 6, "stroke": "#8c8c8c", "stroke-width": 2}),
    )


def _hex_to_rgb(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def interpolate(value: float, stops=HEAT_STOPS) -> str:
    """The colour of ``value`` on a piecewise-linear scale through ``stops``
    (clamped at both ends).

    >>> interpolate(0.0), interpolate(0.8), interpolate(1.0)
    ('#006837', '#8b0000', '#8b0000')
    >>> interpolate(0.4)
    '#ffe945'
    """
    if value <= stops[0][0]:
        return stops[0][1]
    for (x0, c0), (x1, c1) in zip(stops, stops[1:]):
        if value <= x1:
            t = (value - x0) / (x1 - x0)
            a, b = _hex_to_rgb(c0), _hex_to_rgb(c1)
            rgb = (round(p + (q - p) * t) for p, q in zip(a, b))
            return "#" + "".join(f"{v:02x}" for v in rgb)
    return stops[-1][1]


def text_colour(fill: str) -> str:
    """Black or white, whichever reads better on ``fill`` (WCAG relative luminance).

    >>> text_colour("#006837"), text_colour("#ffe945")
    ('#ffffff', '#000000')
    """
    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _hex_to_rgb(fill))
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000000" if lum > 0.179 else "#ffffff"


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (1, 2, 2.5 or 5 times a power of ten).

    >>> nice_ticks(0, 0.28)
    [0.0, 0.1, 0.2, 0.3]
    >>> nice_ticks(0, 100, 4)
    [0.0, 25.0, 50.0, 75.0, 100.0]
    >>> nice_ticks(0, 0.675)  # the top tick always covers the highest value
    [0.0, 0.2, 0.4, 0.6, 0.8]
    """
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    t = start
    while True:
        ticks.append(round(t, 10))
        if t >= hi - 1e-12:
            break
        t += step
    return ticks


def svg_root(width: float, height: float, label: str, body: str, *, cls: str, role: str = "img") -> str:
    """The outer ``<svg>`` with a viewBox, an accessible name and a ``<title>``.

    >>> s = svg_root(10, 20, "A & B", "<g/>", cls="kv-chart")
    >>> s.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 20" width="10" height="20"')
    True
    >>> s[s.index("<title>"):]
    '<title>A &amp; B</title><g/></svg>'
    """
    return el(
        "svg",
        {"xmlns": "http://www.w3.org/2000/svg", "viewBox": f"0 0 {fmt(width)} {fmt(height)}",
         "width": fmt(width), "height": fmt(height), "role": role, "aria-label": label,
         "class": cls, "font-family": FONT, "font-size": 12},
        el("title", None, esc(label)),
        body,
    )
