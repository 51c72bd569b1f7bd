"""The web app as an attacker would try it: writes without a token, with a
wrong one, with a forged CSRF field; path traversal and SQL-injection strings
in every parameter; oversized bodies; a foreign Host. Every one is refused
with the one error shape, and the store is unchanged afterwards."""

from __future__ import annotations

import json

import pytest

# (Written percent-encoded where a client would resolve the dot segments itself, as httpx and browsers do.)
TRAVERSAL = ["../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fapp.py", "%2e%2e", "....//....//",
             "%252e%252e%252f", "A1%2f..%2f..%2f..", "..\\..\\windows", "%00", "A1%00.json", "web%2fapp.py"]
INJECTION = ["1' OR '1'='1", "A1'; DROP TABLE registry_versions; --", "\" OR 1=1 --", "A1) UNION SELECT * FROM persons --",
             "'; DELETE FROM areas; --", "1;SELECT pg_sleep(5)"]
ATTACKS = TRAVERSAL + INJECTION


@pytest.fixture(scope="module")
def sec(site_factory, token):
    from fastapi.testclient import TestClient

    from kvarter.web import create_app

    site = site_factory()
    with TestClient(create_app(site, token=token), base_url="http://127.0.0.1") as c:
        c.site = site
        yield c


def store_state(path) -> tuple:
    """The store's tables (but the registry's version log, which a first read creates empty), every row
    of that log and of the areas table."""
    from kvarter.store import Store

    with Store(path) as st:
        tables = set(st.con.execute("select table_name from information_schema.tables").fetchdf()["table_name"])
        versions = (st.con.execute("select * from registry_versions order by 1, 2, 3").fetchall()
                    if "registry_versions" in tables else [])
        areas = st.con.execute("select * from areas order by area_id").fetchall()
    return tuple(sorted(tables - {"registry_versions"})), tuple(map(tuple, versions)), tuple(map(tuple, areas))


def _refused(r, status, reason):
    assert r.status_code == status, (r.status_code, r.text[:300])
    body = r.json()
    assert body["error"]["status"] == status and body["error"]["reason"] == reason, body
    return body


def test_writes_without_or_with_a_wrong_token_are_refused(sec, initiative):
    before = store_state(sec.site.store_path)
    r = sec.post("/registry", json=initiative)
    _refused(r, 401, "unauthenticated")
    assert r.headers["www-authenticate"] == "Bearer"
    _refused(sec.post("/registry", json=initiative, headers={"Authorization": "Bearer wrong"}), 403, "forbidden")
    _refused(sec.post("/registry", json=initiative, headers={"Authorization": "Basic dGVzdA=="}), 401,
             "unauthenticated")
    _refused(sec.post("/registry", json=initiative, headers={"Authorization": "Bearer "}), 401, "unauthenticated")
    edit = {"changes": {"name": "x"}, "expected_version": 1}
    _refused(sec.post("/registry/lektiecafe", json=edit), 401, "unauthenticated")
    _refused(sec.post("/registry/lektiecafe", json=edit, headers={"Authorization": "Bearer wrong"}), 403, "forbidden")
    assert store_state(sec.site.store_path) == before


def test_forms_need_a_session_and_its_csrf_field(site_factory, token, initiative):
    import re

    from fastapi.testclient import TestClient

    from kvarter.web import create_app

    site = site_factory()
    before = store_state(site.store_path)
    form = {**{k: (",".join(v) if isinstance(v, list) else v) for k, v in initiative.items()}, "author": "eve"}
    with TestClient(create_app(site, token=token), base_url="http://127.0.0.1") as c:
        # No session: 401, whatever the CSRF field says.
        _refused(c.post("/registry", data={**form, "csrf": "forged"}), 401, "unauthenticated")
        # A login with a forged CSRF field, and with a wrong token.
        _refused(c.post("/login", data={"token": token, "csrf": "forged"}), 403, "csrf_failed")
        csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)
        _refused(c.post("/login", data={"token": "wrong", "csrf": csrf}), 403, "forbidden")
        assert c.post("/login", data={"token": token, "csrf": csrf}, follow_redirects=False).status_code == 303
        # Logged in, but the form's CSRF field is forged, missing, or the pre-login one.
        _refused(c.post("/registry", data={**form, "csrf": "forged"}), 403, "csrf_failed")
        _refused(c.post("/registry", data=form), 403, "csrf_failed")
        _refused(c.post("/registry", data={**form, "csrf": csrf}), 403, "csrf_failed")
        _refused(c.post("/registry/lektiecafe", data={"csrf": "forged", "expected_version": "1", "name": "x"}), 403,
                 "csrf_failed")
        # The session does not write through the JSON API (that takes the token), even with the right CSRF value.
        real = re.search(r'name="csrf" value="([^"]+)"', c.get("/registry").text).group(1)
        _refused(c.post("/registry", json={**initiative, "csrf": real}), 401, "unauthenticated")
    # Another client's session cookie is not this one's: a fresh client has no session.
    with TestClient(create_app(site, token=token), base_url="http://127.0.0.1") as other:
        _refused(other.post("/registry", data={**form, "csrf": csrf}), 401, "unauthenticated")
    assert store_state(site.store_path) == before


@pytest.mark.parametrize("attack", ATTACKS)
def test_attacks_in_every_path_parameter_are_refused(sec, attack):
    before = store_state(sec.site.store_path)
    for template in ("/areas/{}", "/areas/{}.json", "/municipalities/{}", "/municipalities/{}.json",
                     "/screening/{}/2024", "/screening/dk-2024/{}", "/screening/{}/2024.json",
                     "/registry/{}", "/registry/{}.json", "/static/{}"):
        path = template.format(attack)
        r = sec.get(path)
        assert r.status_code in (404, 422), (path, r.status_code, r.text[:200])
        if r.headers["content-type"].startswith("application/json"):
            assert r.json()["error"]["reason"] in ("not_found", "invalid_input", "unknown_area",
                                                   "unknown_municipality", "unknown_ruleset", "unknown_year",
                                                   "unknown_initiative"), path
        assert "root:" not in r.text and "import " not in r.text
    assert store_state(sec.site.store_path) == before


@pytest.mark.parametrize("attack", ATTACKS)
def test_attacks_in_query_parameters_are_refused(sec, attack):
    for path in ("/", "/.json", "/areas/A1.json"):
        r = sec.get(path, params={"lang": attack})
        _refused(r, 422, "invalid_input")
    for name in ("indicator", "municipality"):
        r = sec.get("/.json", params={name: attack})
        assert r.status_code in (404, 422) and r.json()["error"]["reason"] in (
            "invalid_input", "unknown_indicator", "unknown_municipality"), (name, r.text)
    # A redirect after login never leaves the site.
    login = sec.get("/login", params={"next": "//evil.example/" + attack}).text
    assert 'name="next" value="/registry"' in login


@pytest.mark.parametrize("attack", INJECTION + ["../../etc/passwd"])
def test_attacks_in_every_body_field_are_refused_and_nothing_is_written(sec, auth, initiative, attack):
    before = store_state(sec.site.store_path)
    for field in ("id", "areas", "start", "status", "principles", "target_groups", "end"):
        value = [attack] if field in ("areas", "principles", "target_groups") else attack
        r = sec.post("/registry", json={**initiative, "id": "probe", field: value}, headers=auth)
        assert r.status_code == 422 and r.json()["error"]["reason"] == "invalid_input", (field, r.text[:200])
    r = sec.post("/registry/" + attack.replace("/", "%2F"), json={"changes": {"name": "x"}, "expected_version": 1},
                 headers=auth)
    assert r.status_code in (404, 422)
    assert store_state(sec.site.store_path) == before


def test_injection_text_in_a_free_text_field_is_stored_as_text(sec, auth, initiative):
    name = "Robert'); DROP TABLE registry_versions; --"
    r = sec.post("/registry", json={**initiative, "id": "bobby", "name": name}, headers=auth)
    assert r.status_code == 201, r.text
    tables, versions, areas = store_state(sec.site.store_path)
    assert "areas" in tables and len(areas) == 4 and any(v[1] == "bobby" for v in versions)
    rows = sec.get("/registry/bobby.json").json()["tables"]["initiatives"]["rows"]
    assert [r["name"] for r in rows] == [name]


def test_oversized_bodies_are_refused_before_anything_is_read(sec, auth, initiative):
    before = store_state(sec.site.store_path)
    big = {**initiative, "id": "big", "description": "x" * 70_000}
    _refused(sec.post("/registry", json=big, headers=auth), 413, "body_too_large")
    # Without a Content-Length (chunked), the body is measured as it arrives.

    def chunks():
        data = json.dumps(big).encode()
        for i in range(0, len(data), 8192):
            yield data[i:i + 8192]

    r = sec.post("/registry", content=chunks(), headers={**auth, "content-type": "application/json"})
    _refused(r, 413, "body_too_large")
    _refused(sec.post("/login", data={"token": "t" * 70_000}), 413, "body_too_large")
    assert store_state(sec.site.store_path) == before


def test_bad_bodies_are_refused_cleanly(sec, auth):
    before = store_state(sec.site.store_path)
    _refused(sec.post("/registry", content=b'{"id": ', headers={**auth, "content-type": "application/json"}), 422,
             "invalid_input")
    _refused(sec.post("/registry", content=b"[1, 2]", headers={**auth, "content-type": "application/json"}), 422,
             "invalid_input")
    _refused(sec.post("/registry", content=b"\xff\xfe", headers={**auth, "content-type": "application/json"}), 422,
             "invalid_input")
    _refused(sec.post("/registry", content=b"id=x", headers={**auth, "content-type": "text/plain"}), 415,
             "unsupported_media_type")
    _refused(sec.post("/registry", files={"f": ("a.txt", b"hello")}, headers=auth), 400, "invalid_input")  # no uploads
    _refused(sec.post("/registry/lektiecafe", json={"changes": {"name": "x"}}, headers=auth), 422, "invalid_input")
    _refused(sec.post("/registry/lektiecafe", json={"changes": {"name": "x"}, "expected_version": "one"},
                      headers=auth), 422, "invalid_input")
    assert store_state(sec.site.store_path) == before


def test_a_foreign_host_is_refused(sec):
    r = sec.get("/", headers={"host": "evil.example"})
    _refused(r, 400, "bad_host")
    assert sec.get("/.json", headers={"host": "localhost:8000"}).status_code == 200


def test_no_endpoint_returns_microdata_or_a_working_list(sec):
    personal = {"person_id", "household_id", "dwelling_id", "application_id", "working_list", "caseworker"}
    paths = ["/.json", "/.json?indicator=non_western_share", "/areas/A1.json", "/areas/A2.json",
             "/municipalities/K.json", "/screening/dk-2024/2024.json", "/segregation.json", "/benchmarks.json",
             "/effects.json", "/housing.json", "/registry.json", "/methods.json", "/api.json"]

    def keys(obj):
        if isinstance(obj, dict):
            for k, v in obj.items():
                yield str(k)
                yield from keys(v)
        elif isinstance(obj, list):
            for v in obj:
                yield from keys(v)

    for path in paths:
        body = sec.get(path).json()
        found = set(keys(body)) & personal
        assert not found, (path, found)
        cols = {c for t in body.get("tables", {}).values() for c in t.get("columns", [])}
        assert not cols & personal, path


def test_remote_mode_needs_the_token_for_reads_too(site_factory, token):
    from fastapi.testclient import TestClient

    from kvarter.web import create_app

    with TestClient(create_app(site_factory(with_store=False), token=token, public=True, allowed_hosts=("*",)),
                    base_url="http://192.0.2.10") as c:
        _refused(c.get("/areas/A1.json"), 401, "unauthenticated")
        _refused(c.get("/areas/A1.json", headers={"Authorization": "Bearer nope"}), 403, "forbidden")
        assert c.get("/areas/A1.json", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_serve_refuses_another_interface_without_the_flag_and_a_token():
    from kvarter.cli.serve import check_bind
    from kvarter.errors import InputError

    check_bind("127.0.0.1", False, None)
    check_bind("::1", False, None)
    with pytest.raises(InputError, match="needs --public"):
        check_bind("0.0.0.0", False, "tok")
    with pytest.raises(InputError, match="needs a token"):
        check_bind("192.168.1.5", True, None)
    check_bind("192.168.1.5", True, "tok")


def test_security_headers_on_every_response(sec):
    for r in (sec.get("/"), sec.get("/areas/NOPE.json"), sec.post("/registry", json={}),
              sec.get("/static/kvarter-web-0.1.0.css")):
        assert "default-src 'none'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
