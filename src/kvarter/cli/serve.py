"""``kvarter serve``: the local web app over a store (see ``docs/web.md``)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import typer

from kvarter.cli.options import MinCountOption, StoreOption, current_settings, policy_of
from kvarter.errors import InputError

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address or ``localhost``.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0"), is_loopback("192.168.1.5")
    (True, True, False, False)
    """
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, public: bool, token: str | None) -> None:
    """Refuse to serve on another interface than loopback without ``--public`` and a token.

    >>> check_bind("127.0.0.1", False, None)
    >>> check_bind("0.0.0.0", False, "t")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: --host 0.0.0.0 is not a loopback address: serving on another interface needs --public and a token (--token or the setting web_token); reads then need the token too.
    >>> check_bind("0.0.0.0", True, None)
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: --host 0.0.0.0 with --public needs a token: give --token or set web_token (KVARTER_WEB_TOKEN).
    """
    if is_loopback(host):
        return
    if not public:
        raise InputError(f"--host {host} is not a loopback address: serving on another interface needs --public "
                         "and a token (--token or the setting web_token); reads then need the token too.")
    if not token:
        raise InputError(f"--host {host} with --public needs a token: give --token or set web_token "
                         "(KVARTER_WEB_TOKEN).")


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        store: Path = StoreOption,
        host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind; another than loopback needs --public and a token."),
        port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on (0: any free port)."),
        token: str = typer.Option(None, "--token", help="Token for writes (default from settings: web_token; else one is generated and printed)."),
        public: bool = typer.Option(False, "--public", help="Allow a non-loopback --host (needs a token; reads then need it too)."),
        min_count: int = MinCountOption,
        permutations: int = typer.Option(50, "--permutations", help="Permutations per segregation index in the publication."),
        bootstrap: int = typer.Option(50, "--bootstrap", help="Bootstrap replicates per segregation index."),
        get: str = typer.Option(None, "--get", help="Print one page (e.g. /areas/DEM-H01.json) and exit, without a server."),
    ) -> None:
        """Serve the web app (map, areas, screening, segregation, benchmarks, effects, housing, registry) on 127.0.0.1."""
        import sys

        from rich.console import Console

        from kvarter.jobs.site import site_for
        from kvarter.web import create_app
        from kvarter.web.security import LOOPBACK, new_token

        console = Console(stderr=True, soft_wrap=True)
        settings = current_settings()
        path = Path(store or settings.store)
        token = token or getattr(settings, "web_token", "") or None
        check_bind(host, public, token)
        if not path.is_file():
            from kvarter.store.store import missing_store_message

            raise InputError(missing_store_message(path))
        policy = policy_of(settings, min_count)
        generated = token is None
        token = token or new_token()

        def build():
            return site_for(path, policy=policy, permutations=permutations, bootstrap=bootstrap,
                            engine=settings.engine,
                            progress=lambda step: console.print(f"publication: {step}", highlight=False))

        if get is not None:
            from fastapi.testclient import TestClient

            site = build()
            client = TestClient(create_app(site, token=token), base_url="http://127.0.0.1")
            resp = client.get(get, headers={"accept": "application/json" if get.endswith(".json") else "text/html"})
            sys.stdout.write(resp.text + ("\n" if not resp.text.endswith("\n") else ""))
            raise typer.Exit(0 if resp.status_code < 400 else 1)

        import uvicorn

        hosts = ("*",) if host in ("0.0.0.0", "::") else tuple(dict.fromkeys((*LOOPBACK, host)))
        app = create_app(build, token=token, public=not is_loopback(host), allowed_hosts=hosts)
        shown = f"[{host}]" if ":" in host else host
        console.print(f"kvarter serve: {path} on http://{shown}:{port}/ — the publication is built in the "
                      "background; pages answer 503 until it is ready (see /health.json).", highlight=False)
        if generated:
            console.print(f"Token for writes (generated for this run): {token}", highlight=False)
        else:
            console.print("Token for writes: the one given (--token or web_token).", highlight=False)
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
