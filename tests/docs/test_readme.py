"""The README's library example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "0.5333" in out
    assert (tmp_path / "out" / "report.html").is_file() and (tmp_path / "out" / "report.da.html").is_file()
    assert (tmp_path / "kvarter.duckdb").is_file()


@pytest.mark.slow
def test_readme_command_block_runs_as_written(tmp_path):
    # Every line of the "Using it" block but `kvarter demo` (which `make demo`
    # runs), in an empty folder, with the venv's kvarter: each exits 0.
    import shlex
    import subprocess
    import sys

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Using it\s*```sh\n(.*?)```", text, flags=re.S).group(1)
    kvarter = Path(sys.executable).with_name("kvarter")
    lines = [ln.split("#", 1)[0].strip() for ln in block.splitlines()]
    commands = [shlex.split(ln)[1:] for ln in lines if ln and not ln.startswith(".venv/bin/kvarter demo")]
    assert len(commands) >= 9
    for args in commands:
        res = subprocess.run([str(kvarter), *args], cwd=tmp_path, capture_output=True, text=True, timeout=900,
                             env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
        assert res.returncode == 0, (args, res.stdout[-2000:], res.stderr[-2000:])
    # --lang da,en: the first language is report.html, the others report.<lang>.html.
    assert (tmp_path / "out" / "report.html").is_file() and (tmp_path / "out" / "report.en.html").is_file()
