"""``kvarter serve``: the bind rules and ``--get`` (one page without a server),
with the site job replaced by the hand-made site so the test stays fast."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner


@pytest.fixture
def runner():
    return CliRunner()


def test_serve_get_prints_a_page_from_the_site(runner, site, monkeypatch):
    import kvarter.jobs.site as site_job
    from kvarter.cli.main import app

    calls = []

    def fake_site_for(path, *, policy, **options):
        calls.append((str(path), policy.min_count, options["permutations"]))
        return site

    monkeypatch.setattr(site_job, "site_for", fake_site_for)
    store = site.store_path
    result = runner.invoke(app, ["serve", "--store", str(store), "--get", "/areas/A1.json", "--min-count", "7"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["area_id"] == "A1" and body["tables"]["profile"]["rows"][0]["value"] == 0.5
    assert calls == [(str(store), 7, 50)]
    missing = runner.invoke(app, ["serve", "--store", str(store), "--get", "/areas/NOPE.json"])
    assert missing.exit_code == 1 and json.loads(missing.stdout)["error"]["reason"] == "unknown_area"


def test_serve_refuses_a_public_interface_without_the_flag(runner, site):
    from kvarter.cli.main import app
    from kvarter.errors import InputError

    result = runner.invoke(app, ["serve", "--store", str(site.store_path), "--host", "0.0.0.0"])
    assert isinstance(result.exception, InputError) and "needs --public" in str(result.exception)
    result = runner.invoke(app, ["serve", "--store", str(site.store_path), "--host", "0.0.0.0", "--public"])
    assert isinstance(result.exception, InputError) and "needs a token" in str(result.exception)


def test_serve_refuses_a_missing_store(runner, tmp_path):
    from kvarter.cli.main import app
    from kvarter.errors import InputError

    result = runner.invoke(app, ["serve", "--store", str(tmp_path / "none.duckdb")])
    assert isinstance(result.exception, InputError) and "does not exist" in str(result.exception)
    assert not (tmp_path / "none.duckdb").exists()
