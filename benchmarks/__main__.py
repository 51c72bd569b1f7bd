"""Run the benchmarks: ``python -m benchmarks [name ...] [-- args]``.

With no names, every ``benchmarks/bench_*.py`` runs in turn. Arguments after
``--`` go to each benchmark's ``main``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    names, rest = (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    here = Path(__file__).parent
    available = sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    chosen = names or available
    for name in chosen:
        if name not in available:
            print(f"unknown benchmark {name!r}; available: {', '.join(available)}", file=sys.stderr)
            return 2
        print(f"\n=== benchmark: {name} ===", flush=True)
        mod = importlib.import_module(f"benchmarks.bench_{name}")
        mod.main(rest)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
