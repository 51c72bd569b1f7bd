"""House rule: every public function has a docstring with an example.

Walks every module of ``kvarter`` except the command line (``kvarter.cli``,
whose commands are documented by their help texts) and lists each public
function defined there whose docstring holds no ``>>>`` example. Classes
are exempt; the examples run as doctests (``--doctest-modules``).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import kvarter


def _modules():
    for info in pkgutil.walk_packages(kvarter.__path__, "kvarter."):
        if info.name == "kvarter.cli" or info.name.startswith("kvarter.cli."):
            continue
        yield importlib.import_module(info.name)


def functions_without_example() -> list[str]:
    """``module.function`` for every public function whose docstring has no ``>>>``."""
    missing = []
    for module in _modules():
        for name, obj in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(obj) or obj.__module__ != module.__name__:
                continue
            if ">>>" not in (obj.__doc__ or ""):
                missing.append(f"{module.__name__}.{name}")
    return sorted(missing)


def test_walk_finds_the_package():
    names = {m.__name__ for m in _modules()}
    assert {"kvarter.errors", "kvarter.publish.indicators", "kvarter.segregation.pipeline"} <= names
    assert not any(n.startswith("kvarter.cli") for n in names)


def test_every_public_function_has_an_example():
    missing = functions_without_example()
    assert not missing, (
        f"{len(missing)} public function(s) have no '>>>' example in their docstring "
        "(add one, or prefix the name with '_' if it is internal):\n  " + "\n  ".join(missing)
    )
