"""Heat-maps like the report's figures: municipalities (rows, sorted by
persons) by years (columns), dark green at 0 to dark red at 0.8."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

VMIN, VMAX = 0.0, 0.8
COLOURS = ("#00441b", "#41ab5d", "#ffffbf", "#ef3b2c", "#67000d")


def colormap():
    """The report's scale: dark green (0) through yellow to dark red (0.8).

    >>> cm = colormap(); cm.name
    'kvarter_segregation'
    """
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("kvarter_segregation", COLOURS)


def heatmap_figure(table: pd.DataFrame, title: str = "", labels: dict | None = None):
    """A matplotlib Figure of one pair's municipalities x years table, values printed in the cells.

    >>> t = pd.DataFrame([[0.1, 0.2], [0.5, 0.7]], index=["A", "B"], columns=[2017, 2018])
    >>> fig = heatmap_figure(t, "D"); len(fig.axes)
    2
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    rows = [labels.get(m, m) if labels else m for m in table.index]
    fig = Figure(figsize=(1.0 + 0.55 * table.shape[1], 1.2 + 0.3 * table.shape[0]), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    data = np.ma.masked_invalid(table.to_numpy(dtype=float))
    im = ax.imshow(data, cmap=colormap(), vmin=VMIN, vmax=VMAX, aspect="auto")
    ax.set_xticks(range(table.shape[1]), [str(c) for c in table.columns], rotation=90)
    ax.set_yticks(range(table.shape[0]), rows)
    for i in range(table.shape[0]):
        for j in range(table.shape[1]):
            v = data[i, j]
            if v is not np.ma.masked:
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6,
                        color="white" if v < 0.15 or v > 0.6 else "black")
    ax.set_title(title, fontsize=9)
    fig.colorbar(im, ax=ax, fraction=0.04)
    fig.tight_layout()
    return fig


def write_heatmaps(heatmaps: dict[str, pd.DataFrame], out_dir: str | Path, labels: dict | None = None,
                   formats=("png", "svg")) -> list[Path]:
    """Write one heat-map per pair as ``heatmap_<pair>.<fmt>``; return the paths.

    >>> import tempfile
    >>> t = pd.DataFrame([[0.1, 0.2], [0.5, 0.7]], index=["A", "B"], columns=[2017, 2018])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     paths = write_heatmaps({"native_vs_western": t}, d, formats=("svg",))
    ...     [(p.name, p.read_text().startswith("<?xml")) for p in paths]
    [('heatmap_native_vs_western.svg', True)]
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for pair, table in heatmaps.items():
        fig = heatmap_figure(table, f"Dissimilarity Index: {pair.replace('_vs_', ' vs ')}", labels)
        for fmt in formats:
            p = out / f"heatmap_{pair}.{fmt}"
            fig.savefig(p, format=fmt)
            paths.append(p)
    return paths
