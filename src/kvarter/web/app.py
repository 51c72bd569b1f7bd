"""The web app factory: :func:`create_app` over a :class:`~kvarter.jobs.site.Site`
(or a function that builds one, run in the background at start).

Every page has a JSON twin at the same path with ``.json`` (as Datasette
does); the HTML and the JSON come from the same :class:`~kvarter.web.pages.Page`.
Pages are made once per parameters and language and kept, since the
publication does not change while the server runs; the registry's pages are
made again after each write. Errors have one shape (:mod:`kvarter.web.errors`).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from pathlib import Path
from typing import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from kvarter.jobs.site import Site
from kvarter.report.i18n import LANGUAGES
from kvarter.web import pages
from kvarter.web.errors import WebError
from kvarter.web.labels import t
from kvarter.web.security import (
    LOOPBACK,
    MAX_BODY,
    Guard,
    check_bearer,
    check_csrf,
    csrf_token,
    parse_json,
    session_authenticated,
    token_digest,
)

log = logging.getLogger("kvarter.web")

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
#: The vendored files served under /static/ (a fixed list: no path from a request reaches the file system).
REPORT_TEMPLATES = HERE.parent / "report" / "templates"
STATIC_FILES = {
    **{p.name: p for p in sorted(STATIC.glob("*")) if p.is_file()},
    # The report's own styles and map script, served as they are (one copy in the package).
    "kvarter-report-0.1.0.css": REPORT_TEMPLATES / "report.css",
    "kvarter-report-0.1.0.js": REPORT_TEMPLATES / "report.js",
}
MEDIA = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}

ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*(\.[A-Za-z0-9_\-]+)*$")
NAME = re.compile(r"^[\w][\w .\-'’]*$")
INDICATOR = re.compile(r"^[a-z0-9_]{1,80}$")
LANGUAGE_NAMES = {"en": "English", "da": "Dansk", "no": "Norsk", "nl": "Nederlands"}


def _id(value: str, what: str, pattern=ID, limit: int = 80) -> str:
    if not isinstance(value, str) or len(value) > limit or ".." in value or not pattern.match(value):
        raise WebError(422, "invalid_input", f"{what} {value[:100]!r} is not valid: expected letters, digits, "
                                             "'-', '_' or '.', starting with a letter or digit.")
    return value


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang", "en")
    if lang not in LANGUAGES:
        raise WebError(422, "invalid_input", f"lang {lang[:20]!r} is not one of {', '.join(LANGUAGES)}.")
    return lang


class State:
    """What the app keeps: the site (or its build), the token, the page cache, the registry's generation."""

    def __init__(self, site, token: str, public: bool):
        self.token = token
        self.public = public
        self._site: Site | None = site if isinstance(site, Site) else None
        self._error: BaseException | None = None
        self.started = time.time()
        self.cache: dict = {}
        self.generation = 0
        # Every use of the registry (its file is opened per call) goes one at a time: two
        # first uses at once would both create its tables.
        self.registry_lock = threading.RLock()
        self._registry: tuple[int, dict] | None = None
        self.warm = False
        self.on_ready: Callable[[], None] | None = None
        self._builder = None if self._site is not None else site

    def start(self) -> None:
        """Build the site in the background (when given a builder), then call ``on_ready``."""
        if self._builder is not None:
            threading.Thread(target=self._build, args=(self._builder,), name="kvarter-site", daemon=True).start()
        elif self.on_ready is not None:
            threading.Thread(target=self.on_ready, name="kvarter-warm", daemon=True).start()

    def _build(self, builder: Callable[[], Site]) -> None:
        try:
            self._site = builder()
            log.info("kvarter: the publication is ready (%.1f s).", self._site.seconds)
            if self.on_ready is not None:
                self.on_ready()
        except BaseException as exc:  # reported by every page
            self._error = exc
            log.exception("kvarter: building the publication failed")

    @property
    def ready(self) -> bool:
        return self._site is not None

    def site(self) -> Site:
        if self._site is not None:
            return self._site
        if self._error is not None:
            raise WebError(500, "internal_error", f"Building the publication failed: {self._error}")
        raise WebError(503, "building", "The publication is being built; try again in a moment.",
                       headers={"Retry-After": "5"})

    def registry_tables(self) -> dict:
        """The registry's tables as published now (made again after each write)."""
        site = self.site()
        gen = self.generation
        hit = self._registry
        if hit is not None and hit[0] == gen:
            return hit[1]
        with self.registry_lock:
            if self._registry is not None and self._registry[0] == gen:
                return self._registry[1]
            tables = site.registry_tables() if site.store_path is not None else pages._site_registry_tables(site)
            self._registry = (gen, tables)
            return tables

    def key(self, name: str, params=(), query=(), lang: str = "en") -> tuple:
        """The cache key of a page; area pages list the registry's initiatives, so theirs
        carries the registry's generation (read before the page is made)."""
        return (name, tuple(params), tuple(query), lang) + ((self.generation,) if name == "area" else ())

    def cached(self, key, make):
        hit = self.cache.get(key)
        if hit is None:
            hit = make()
            self.cache[key] = hit
        return hit

    def changed(self) -> None:
        """After a registry write: the registry's pages are made again."""
        self.generation += 1
        stale = ("registry", "initiative", "area")
        self.cache = {k: v for k, v in self.cache.items()
                      if not (k[0].startswith(stale) or (k[0] in ("html", "json") and v[0].kind.startswith(stale)))}


def _wants_html(request: Request) -> bool:
    if request.url.path.endswith(".json"):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept


def create_app(site: Site | Callable[[], Site], *, token: str | None = None, public: bool = False,
               allowed_hosts=LOOPBACK, max_body: int = MAX_BODY, secret_key: str | None = None) -> FastAPI:
    """The web app over ``site`` (a :class:`Site`, or a function building one
    in the background — pages answer 503 ``building`` until it is ready).

    ``token`` is the write token (generated when None; read it from
    ``app.state.kvarter.token``); ``public`` (serving on another interface
    than loopback) makes reads need the token too. ``allowed_hosts`` are
    the Host names answered; ``max_body`` the largest request body.

    >>> from fastapi.testclient import TestClient
    >>> from kvarter.web.pages import example_site
    >>> client = TestClient(create_app(example_site(), token="t"), base_url="http://127.0.0.1")
    >>> client.get("/areas/A.json").json()["tables"]["profile"]["rows"][0]["value"]
    0.5
    >>> r = client.post("/registry", json={})
    >>> r.status_code, r.json()["error"]["reason"]
    (401, 'unauthenticated')
    """
    from kvarter.web.security import new_token

    app = FastAPI(title="kvarter", docs_url=None, redoc_url=None, openapi_url=None, redirect_slashes=False)
    state = State(site, token or new_token(), public)
    app.state.kvarter = state
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))

    # ---------------------------------------------------------------- rendering
    def nav(lang: str):
        q = pages._lang_query(lang)
        site_ = state._site
        first = None
        if site_ is not None:
            idx = pages._screening_index(site_)
            if idx:
                rs = next(iter(idx))
                first = f"/screening/{rs}/{site_.publication.year if site_.publication.year in idx[rs] else idx[rs][-1]}"
        items = [("/", "nav_map"), (first, "nav_screening"), ("/segregation", "nav_segregation"),
                 ("/benchmarks", "nav_benchmarks"), ("/effects", "nav_effects"), ("/housing", "nav_housing"),
                 ("/registry", "nav_registry"), ("/methods", "nav_methods"), ("/api", "nav_api")]
        return [(h + q, t(k, lang)) for h, k in items if h]

    def render(request: Request, page: pages.Page, lang: str, status: int = 200) -> HTMLResponse:
        path = request.url.path
        others = {k: v for k, v in request.query_params.items() if k != "lang"}

        def with_lang(lg: str) -> str:
            qs = {**others, **({"lang": lg} if lg != "en" else {})}
            from urllib.parse import urlencode

            return path + (f"?{urlencode(qs)}" if qs else "")

        twin = path + ".json" if page.kind not in ("error", "login") and not path.endswith(".json") else None
        html = env.get_template("page.html.j2").render(
            lang=lang, title=page.title, app_title=t("app_title", lang), nav=nav(lang), blocks=page.blocks,
            languages=[(lg, LANGUAGE_NAMES[lg], with_lang(lg)) for lg in LANGUAGES],
            twin=twin + (f"?lang={lang}" if twin and lang != "en" else "") if twin else None,
            twin_label=t("json_twin", lang), static=STATIC_VERSIONED,
        )
        return HTMLResponse(html, status_code=status)

    def json_response(page: pages.Page, lang: str, status: int = 200) -> JSONResponse:
        body = {"page": page.kind, "title": page.title, "lang": lang, **page.data}
        return JSONResponse(body, status_code=status)

    def check_read(request: Request) -> None:
        if state.public:
            authorised(request, form=False, for_read=True)

    def authorised(request: Request, *, form: bool, csrf=None, for_read: bool = False) -> None:
        if check_bearer(request.headers.get("authorization"), state.token):
            return
        # A logged-in session writes through the forms only (with their CSRF field); the JSON API takes the token.
        if not session_authenticated(request.session, state.token) or (not form and not for_read):
            raise WebError(401, "unauthenticated",
                           "This needs the server's token: send Authorization: Bearer TOKEN, or log in at /login.",
                           headers={"WWW-Authenticate": "Bearer"})
        if form and not for_read:
            check_csrf(request.session, csrf)

    def twin(path: str, name: str, summary: str, make, *, cache_key=None):
        """Register ``path`` (HTML) and ``path.json`` (its JSON twin), both drawn from ``make(request, lang)``."""

        def page_of(request: Request):
            check_read(request)
            lang = _lang(request)
            key = state.key(name, sorted(request.path_params.items()),
                            sorted((k, v) for k, v in request.query_params.items() if k != "lang"), lang)
            return state.cached(key, lambda: make(request, lang)), lang

        def as_json(request: Request):
            page, lang = page_of(request)
            key = ("json", request.url.path, str(request.url.query))
            hit = state.cache.get(key)
            if hit is None or hit[0] is not page:
                hit = (page, json_response(page, lang).body)
                state.cache[key] = hit
            return Response(hit[1], media_type="application/json")

        def as_html(request: Request):
            page, lang = page_of(request)
            key = ("html", request.url.path, str(request.url.query))
            hit = state.cache.get(key)
            if hit is None or hit[0] is not page:  # drawn from this very page, else drawn again
                hit = (page, render(request, page, lang).body)
                state.cache[key] = hit
            return Response(hit[1], media_type="text/html")

        as_json.__doc__ = as_html.__doc__ = summary
        # The twin first, so '/areas/X.json' is never read as the area 'X.json'.
        app.add_api_route(path + ".json", as_json, methods=["GET"], name=f"{name}.json", summary=summary + " (JSON)")
        app.add_api_route(path, as_html, methods=["GET"], name=name, summary=summary,
                          response_class=HTMLResponse)

    # ---------------------------------------------------------------- pages
    def _indicator(request: Request):
        value = request.query_params.get("indicator") or None
        return None if value is None else _id(value, "indicator", INDICATOR)

    def _municipality(request: Request):
        value = request.query_params.get("municipality") or None
        return None if value is None else _id(value, "municipality", NAME)

    twin("/", "map", "The map: every area coloured by its designation or by ?indicator=, "
                     "optionally one ?municipality=",
         lambda r, lang: pages.map_page(state.site(), lang, _indicator(r), _municipality(r)))
    twin("/areas/{area_id}", "area", "An area: profile, criteria and margins, list history, benchmarks, "
                                     "initiatives, trends",
         lambda r, lang: pages.area_page(state.site(), _id(r.path_params["area_id"], "area_id"), lang,
                                         state.registry_tables()))
    twin("/municipalities/{municipality}", "municipality", "A municipality: key figures and its areas",
         lambda r, lang: pages.municipality_page(state.site(), _id(r.path_params["municipality"], "municipality",
                                                                     NAME), lang))

    def _screening(r: Request, lang: str):
        ruleset = _id(r.path_params["ruleset"], "ruleset")
        year_text = r.path_params["year"]
        if not re.fullmatch(r"\d{4}", year_text):
            raise WebError(422, "invalid_input", f"year {year_text[:20]!r} is not a year (four digits).")
        return pages.screening_page(state.site(), ruleset, int(year_text), lang)

    twin("/screening/{ruleset}/{year}", "screening", "Screening under a rule set in a year", _screening)
    twin("/segregation", "segregation", "Segregation: Table 1, heat-maps, trends",
         lambda r, lang: pages.segregation_page(state.site(), lang))
    twin("/benchmarks", "benchmarks", "Benchmarks: funnel plots and spine charts",
         lambda r, lang: pages.benchmarks_page(state.site(), lang))
    twin("/effects", "effects", "Effects: what works for whom (the published evaluation)",
         lambda r, lang: pages.effects_page(state.site(), lang))
    twin("/housing", "housing", "Housing: needs overview and pathways by area",
         lambda r, lang: pages.housing_page(state.site(), lang))

    def _form_fields(request: Request, lang: str, *, initiative: str | None = None, version: int = 0) -> Markup:
        """The add or edit form (only for a logged-in session), with its CSRF field."""
        if not session_authenticated(request.session, state.token):
            return Markup(f'<p class="kv-login-needed"><a href="/login?next={escape(request.url.path)}">'
                          f'{escape(t("login", lang))}</a> — {escape(t("login_needed", lang))}</p>')
        site_ = state.site()
        areas = pages._areas(site_)
        opts = "".join(f'<option value="{escape(a)}">{escape(n)} ({escape(a)})</option>'
                       for a, n in zip(areas["area_id"], areas.get("name", areas["area_id"])))
        from kvarter.registry.models import STATUSES

        st = "".join(f'<option value="{s}">{escape(t(s, lang))}</option>' for s in STATUSES)
        action = "/registry" if initiative is None else f"/registry/{escape(initiative)}"
        required = "" if initiative else " required"
        rows = []
        if initiative is None:
            rows.append(f'<label>{escape(t("f_id", lang))} <input name="id" required maxlength="80" '
                        f'pattern="[A-Za-z0-9][A-Za-z0-9_.\\-]*"></label>')
        else:
            rows.append(f'<input type="hidden" name="expected_version" value="{int(version)}">')
        rows += [
            f'<label>{escape(t("f_name", lang))} <input name="name" maxlength="200"{required}></label>',
            f'<label>{escape(t("f_description", lang))} <textarea name="description" maxlength="4000"></textarea>'
            "</label>",
            f'<label>{escape(t("f_areas", lang))} <select name="areas" multiple{required}>{opts}</select></label>',
            f'<label>{escape(t("f_target_groups", lang))} <input name="target_groups" maxlength="400"></label>',
            f'<label>{escape(t("f_principles", lang))} <input name="principles" maxlength="400"></label>',
            f'<label>{escape(t("f_start", lang))} <input type="date" name="start"{required}></label>',
            f'<label>{escape(t("f_end", lang))} <input type="date" name="end"></label>',
            f'<label>{escape(t("f_status", lang))} <select name="status">'
            + ('<option value=""></option>' if initiative else "") + f"{st}</select></label>",
            f'<label>{escape(t("f_author", lang))} <input name="author" required maxlength="120"></label>',
            f'<label>{escape(t("f_reason", lang))} <input name="reason" maxlength="400"></label>',
        ]
        csrf = csrf_token(request.session)
        return Markup(f'<form class="kv-form" method="post" action="{action}">'
                      f'<input type="hidden" name="csrf" value="{escape(csrf)}">' + "".join(rows)
                      + f'<button type="submit">{escape(t("save", lang))}</button></form>')

    def registry_html_or_json(request: Request, as_json: bool):
        check_read(request)
        lang = _lang(request)
        key = ("registry", state.generation, lang)
        page = state.cached(key, lambda: pages.registry_page(state.site(), lang, state.registry_tables()))
        if as_json:
            return json_response(page, lang)
        form = _form_fields(request, lang)
        return render(request, pages.Page(page.kind, page.title, page.data, page.blocks
                                          + [pages._h2(t("add_initiative", lang)), form]), lang)

    def initiative_page(request: Request, as_json: bool):
        check_read(request)
        lang = _lang(request)
        iid = _id(request.path_params["initiative"], "initiative")
        site_ = state.site()

        def make():
            if site_.store_path is None:
                raise WebError(404, "unknown_initiative", f"There is no initiative {iid!r} in the registry.")
            from kvarter.errors import InputError

            try:
                with state.registry_lock:
                    history = site_.registry().history(iid)
            except InputError:
                raise WebError(404, "unknown_initiative", f"There is no initiative {iid!r} in the registry.") from None
            return pages.initiative_page(site_, iid, lang, state.registry_tables(), history)

        page = state.cached(("initiative", iid, state.generation, lang), make)
        if as_json:
            return json_response(page, lang)
        form = _form_fields(request, lang, initiative=iid, version=page.data["version"])
        return render(request, pages.Page(page.kind, page.title, page.data, page.blocks
                                          + [pages._h2(t("edit_initiative", lang)), form]), lang)

    def registry_json(request: Request):
        return registry_html_or_json(request, True)

    def registry_html(request: Request):
        return registry_html_or_json(request, False)

    def initiative_json(request: Request):
        return initiative_page(request, True)

    def initiative_html(request: Request):
        return initiative_page(request, False)

    app.add_api_route("/registry.json", registry_json, methods=["GET"], name="registry.json",
                      summary="The registry of initiatives (JSON)")
    app.add_api_route("/registry", registry_html, methods=["GET"], name="registry",
                      summary="The registry of initiatives, and the form to add one", response_class=HTMLResponse)
    app.add_api_route("/registry/{initiative}.json", initiative_json, methods=["GET"], name="initiative.json",
                      summary="An initiative with its history (JSON)")
    app.add_api_route("/registry/{initiative}", initiative_html, methods=["GET"], name="initiative",
                      summary="An initiative with its history, and the form to edit it", response_class=HTMLResponse)

    # ---------------------------------------------------------------- writes
    async def _body(request: Request) -> tuple[dict, bool]:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "application/json":
            data = parse_json(await request.body())
            if not isinstance(data, dict):
                raise WebError(422, "invalid_input", "The body must be a JSON object.")
            return data, False
        if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.form(max_files=0, max_fields=100)
            data: dict = {}
            for k in form.keys():
                vals = [v for v in form.getlist(k) if isinstance(v, str)]
                data[k] = vals if len(vals) > 1 else (vals[0] if vals else "")
            return data, True
        raise WebError(415, "unsupported_media_type", f"Content-Type {ctype or '(none)'!r}: send application/json "
                                                      "or a form (application/x-www-form-urlencoded).")

    def _list(value) -> list[str]:
        items = value if isinstance(value, list) else [value]
        return [x.strip() for v in items if isinstance(v, str) for x in v.split(",") if x.strip()]

    FORM_LISTS = ("areas", "target_groups", "principles")
    FORM_TEXT = ("name", "description", "status", "start", "end")

    def _from_form(data: dict) -> dict:
        out = {k: data[k].strip() for k in ("id", *FORM_TEXT) if isinstance(data.get(k), str) and data[k].strip()}
        out.update({k: _list(data[k]) for k in FORM_LISTS if _list(data.get(k, ""))})
        return out

    def _write_error(exc) -> WebError:
        from kvarter.errors import InputError, InputErrors
        from kvarter.registry import StoreBusyError, VersionConflictError

        if isinstance(exc, VersionConflictError):
            return WebError(409, "version_conflict", str(exc))
        if isinstance(exc, StoreBusyError):
            return WebError(503, "store_busy", str(exc), headers={"Retry-After": "2"})
        if isinstance(exc, InputErrors):
            failures = [{"column": f.column, "value": None if f.value is None else str(f.value)[:200],
                         "reason": getattr(f.reason, "value", str(f.reason)), "message": f.message}
                        for f in exc.failures]
            if any(f["reason"] == "duplicate_id" for f in failures):
                return WebError(409, "conflict", str(exc).split(" First:")[0], failures=failures)
            return WebError(422, "invalid_input", str(exc).split(" First:")[0], failures=failures)
        if isinstance(exc, InputError):
            return WebError(422, "invalid_input", str(exc))
        raise exc

    def _pydantic_failures(exc) -> list[dict]:
        return [{"column": ".".join(str(x) for x in e.get("loc", ())), "reason": e.get("type", "invalid"),
                 "message": e.get("msg", "")} for e in exc.errors()]

    async def post_registry(request: Request):
        """Add an initiative: a JSON object (the initiative's fields, plus author and reason) with
        Authorization: Bearer TOKEN, or the form (logged in, with its CSRF field)."""
        data, is_form = await _body(request)
        authorised(request, form=is_form, csrf=data.get("csrf"))
        site_ = state.site()
        if site_.store_path is None:
            raise WebError(409, "read_only", "This server has no store; the registry cannot be written.")
        author = str(data.get("author") or "").strip() or "web"
        reason = str(data.get("reason") or "").strip() or "added in the web app"
        record = _from_form(data) if is_form else {k: v for k, v in data.items() if k not in ("author", "reason")}
        from pydantic import ValidationError

        from kvarter.registry import Initiative

        try:
            Initiative.model_validate(record)
        except ValidationError as exc:
            raise WebError(422, "invalid_input", f"The initiative is not valid ({exc.error_count()} problem(s)).",
                           failures=_pydantic_failures(exc)) from None
        with state.registry_lock:
            try:
                version = site_.registry().add(record, author=author, reason=reason)
            except Exception as exc:
                raise _write_error(exc) from None
            state.changed()
        href = f"/registry/{record['id']}"
        if is_form:
            return RedirectResponse(href, status_code=303)
        return JSONResponse({"id": record["id"], "version": version, "href": href}, status_code=201,
                            headers={"Location": href})

    async def post_initiative(request: Request):
        """Edit an initiative: JSON {"changes": {...}, "expected_version": N, "author", "reason"} with
        Authorization: Bearer TOKEN, or the edit form (logged in, with its CSRF field)."""
        iid = _id(request.path_params["initiative"], "initiative")
        data, is_form = await _body(request)
        authorised(request, form=is_form, csrf=data.get("csrf"))
        site_ = state.site()
        if site_.store_path is None:
            raise WebError(409, "read_only", "This server has no store; the registry cannot be written.")
        if is_form:
            changes = {k: v for k, v in _from_form(data).items() if k != "id"}
            expected = data.get("expected_version")
        else:
            unknown = sorted(set(data) - {"changes", "expected_version", "author", "reason"})
            if unknown or not isinstance(data.get("changes"), dict):
                raise WebError(422, "invalid_input", "The body must be {\"changes\": {...}, \"expected_version\": N, "
                                                     "\"author\": ..., \"reason\": ...}"
                               + (f"; unknown field(s) {unknown}" if unknown else "") + ".")
            changes, expected = data["changes"], data.get("expected_version")
        if expected in (None, ""):
            raise WebError(422, "invalid_input", "expected_version is required (the version the edit is based on).")
        try:
            expected = int(expected)
        except (TypeError, ValueError):
            raise WebError(422, "invalid_input", f"expected_version {str(expected)[:20]!r} is not a number.") from None
        if not changes:
            raise WebError(422, "invalid_input", "Nothing to change: give at least one field.")
        author = str(data.get("author") or "").strip() or "web"
        reason = str(data.get("reason") or "").strip() or "edited in the web app"
        from kvarter.errors import InputError

        with state.registry_lock:
            reg = site_.registry()
            try:
                reg.history(iid)
            except InputError:
                raise WebError(404, "unknown_initiative", f"There is no initiative {iid!r} in the registry.") from None
            try:
                version = reg.update(iid, changes, author=author, reason=reason, expected_version=expected)
            except Exception as exc:
                raise _write_error(exc) from None
            state.changed()
        href = f"/registry/{iid}"
        if is_form:
            return RedirectResponse(href, status_code=303)
        return JSONResponse({"id": iid, "version": version, "href": href})

    app.add_api_route("/registry", post_registry, methods=["POST"], name="registry.add",
                      summary="Add an initiative (token needed)")
    app.add_api_route("/registry/{initiative}", post_initiative, methods=["POST"], name="initiative.edit",
                      summary="Edit an initiative with expected_version (token needed)")

    # ---------------------------------------------------------------- login
    def login_form(request: Request):
        lang = _lang(request)
        nxt = request.query_params.get("next", "/registry")
        nxt = nxt if nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt else "/registry"
        csrf = csrf_token(request.session)
        if session_authenticated(request.session, state.token):
            body = Markup(f'<p>{escape(t("logged_in", lang))}</p><form method="post" action="/logout">'
                          f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
                          f'<button type="submit">{escape(t("logout", lang))}</button></form>')
        else:
            body = Markup(f'<form class="kv-form" method="post" action="/login">'
                          f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
                          f'<input type="hidden" name="next" value="{escape(nxt)}">'
                          f'<label>{escape(t("token", lang))} <input type="password" name="token" required '
                          f'autocomplete="current-password"></label>'
                          f'<button type="submit">{escape(t("login", lang))}</button></form>')
        return render(request, pages.Page("login", t("login", lang), {}, [pages._para(t("login_needed", lang)), body]),
                      lang)

    async def login(request: Request):
        data, is_form = await _body(request)
        if not is_form:
            raise WebError(415, "unsupported_media_type", "Log in with the form; the API takes Authorization: Bearer.")
        check_csrf(request.session, data.get("csrf"))
        sent = data.get("token")
        if not isinstance(sent, str) or not sent:
            raise WebError(401, "unauthenticated", "Give the server's token.")
        import hmac

        if not hmac.compare_digest(sent.encode(), state.token.encode()):
            raise WebError(403, "forbidden", "The token is wrong.")
        request.session["auth"] = token_digest(state.token)
        request.session["csrf"] = secrets.token_urlsafe(24)  # a new session, a new CSRF value
        nxt = data.get("next") if isinstance(data.get("next"), str) else "/registry"
        nxt = nxt if nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt else "/registry"
        return RedirectResponse(nxt, status_code=303)

    async def logout(request: Request):
        data, is_form = await _body(request)
        check_csrf(request.session, data.get("csrf"))
        request.session.clear()
        return RedirectResponse("/", status_code=303)

    app.add_api_route("/login", login_form, methods=["GET"], name="login.form", summary="The login form",
                      response_class=HTMLResponse)
    app.add_api_route("/login", login, methods=["POST"], name="login",
                      summary="Log in with the token (form with CSRF field); the session may then write")
    app.add_api_route("/logout", logout, methods=["POST"], name="logout", summary="Log out (form with CSRF field)")

    # ---------------------------------------------------------------- methods, API, static, health
    twin("/methods", "methods", "Methods: sources, indicators, rule sets, disclosure policy, what was suppressed",
         lambda r, lang: pages.methods_page(state.site(), lang))

    def route_table() -> list[dict]:
        rows = []
        for r in app.routes:
            if not isinstance(r, APIRoute) or r.path.startswith("/static"):
                continue
            for m in sorted(r.methods - {"HEAD"}):
                rows.append({"method": m, "path": r.path, "description": r.summary or "",
                             "auth": "yes" if m == "POST" and r.path not in ("/login",) else
                             ("yes" if state.public else "no")})
        return rows

    twin("/api", "api", "API reference: every route, generated from the app's routes",
         lambda r, lang: pages.api_page(route_table(), lang))

    def static(request: Request):
        name = request.path_params["name"]
        path = STATIC_FILES.get(name)
        if path is None:
            raise WebError(404, "not_found", f"No static file {name[:80]!r}.")
        return Response(path.read_bytes(), media_type=MEDIA.get(path.suffix, "application/octet-stream"),
                        headers={"Cache-Control": "public, max-age=86400"})

    app.add_api_route("/static/{name}", static, methods=["GET"], name="static", include_in_schema=False)

    def health(request: Request):
        """Whether the publication is ready (200) or still being built (503)."""
        body = {"ready": state.ready, "warm": state.warm, "seconds": round(time.time() - state.started, 1)}
        if state._error is not None:
            body["error"] = str(state._error)
        return JSONResponse(body, status_code=200 if state.ready else 503)

    app.add_api_route("/health.json", health, methods=["GET"], name="health",
                      summary="Whether the publication is ready (200) or being built (503)")

    def warm_up() -> None:
        """Make the English pages once (every area, every municipality, the map and the
        sections), so the first reader of each does not wait; pages answer meanwhile."""
        try:
            site_ = state.site()
            areas = pages._areas(site_)
            jobs = [(state.key("map"), "/", lambda: pages.map_page(site_, "en"))]
            for aid in areas["area_id"]:
                jobs.append((state.key("area", [("area_id", aid)]), f"/areas/{aid}",
                             lambda aid=aid: pages.area_page(site_, aid, "en", state.registry_tables())))
            for m in sorted(set(areas.get("municipality", []))):
                jobs.append((state.key("municipality", [("municipality", m)]), f"/municipalities/{m}",
                             lambda m=m: pages.municipality_page(site_, str(m), "en")))
            for name, make in (("segregation", pages.segregation_page), ("benchmarks", pages.benchmarks_page),
                               ("effects", pages.effects_page), ("housing", pages.housing_page),
                               ("methods", pages.methods_page)):
                jobs.append((state.key(name), f"/{name}", lambda make=make: make(site_, "en")))
            for key, path, make in jobs:
                try:
                    page = state.cached(key, make)
                except WebError:
                    continue
                # The bytes too, as the HTML page and its twin send them.
                request = Request({"type": "http", "method": "GET", "scheme": "http", "server": ("127.0.0.1", 80),
                                   "path": path, "query_string": b"", "headers": []})
                state.cache[("html", path, "")] = (page, render(request, page, "en").body)
                state.cache[("json", path + ".json", "")] = (page, json_response(page, "en").body)
        except Exception:  # warming is an optimisation; a page that fails says so when asked
            log.exception("kvarter: warming the pages failed")
        finally:
            state.warm = True

    state.on_ready = warm_up
    state.start()

    # ---------------------------------------------------------------- errors
    def error_response(request: Request, err: WebError):
        if _wants_html(request):
            lang = request.query_params.get("lang", "en")
            lang = lang if lang in LANGUAGES else "en"
            code = Markup(f'<p class="kv-error" data-reason="{escape(err.reason)}"><strong>{err.status}</strong> '
                          f'<code>{escape(err.reason)}</code>: {escape(err.message)}</p>')
            resp = render(request, pages.Page("error", t("error", lang), err.body(), [code]), lang, err.status)
        else:
            resp = JSONResponse(err.body(), status_code=err.status)
        for k, v in err.headers.items():
            resp.headers[k] = v
        return resp

    @app.exception_handler(WebError)
    async def _web_error(request: Request, exc: WebError):
        return error_response(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        reason = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "invalid_input")
        msg = "No such page." if exc.status_code == 404 else str(exc.detail)
        return error_response(request, WebError(exc.status_code, reason, msg))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        return error_response(request, WebError(422, "invalid_input", "The request failed validation.",
                                                failures=_pydantic_failures(exc)))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception):
        from kvarter.registry import StoreBusyError

        if isinstance(exc, StoreBusyError):
            return error_response(request, WebError(503, "store_busy", str(exc), headers={"Retry-After": "2"}))
        log.exception("kvarter web: unexpected error on %s", request.url.path)
        return error_response(request, WebError(500, "internal_error", "An unexpected error; see the server log."))

    app.add_middleware(SessionMiddleware, secret_key=secret_key or secrets.token_hex(32),
                       session_cookie="kvarter_session", same_site="strict", https_only=False, max_age=8 * 3600)
    app.add_middleware(Guard, allowed_hosts=allowed_hosts, max_body=max_body)
    return app


#: The stylesheets and scripts every page links (the names carry their version).
STATIC_VERSIONED = {"css": ["/static/kvarter-report-0.1.0.css", "/static/kvarter-web-0.1.0.css"],
                    "js": ["/static/kvarter-report-0.1.0.js"]}

__all__ = ["create_app", "State", "STATIC_FILES", "json"]
