"""ARCHITECTURE.md and the import-linter contract say the same, and the contract holds."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _contract_layers() -> list[str]:
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (contract,) = [c for c in cfg["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    return contract["layers"]


def _architecture_layers() -> list[str]:
    text = (ROOT / "ARCHITECTURE.md").read_text()
    return re.findall(r"^- `(kvarter\.[^`]+)`", text, flags=re.M)


def test_architecture_md_lists_the_contract_layers_in_data_flow_order():
    # The contract lists the highest layer first; ARCHITECTURE.md goes with the data.
    assert _architecture_layers() == list(reversed(_contract_layers()))


def test_import_contract_holds():
    exe = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(exe)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
