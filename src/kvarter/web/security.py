"""Safe by default: the token, the session's CSRF field, and the middleware
every response passes through (body limit, Host check, security headers).

* Writes need the token: ``Authorization: Bearer TOKEN`` (API), or a session
  made by the login form (browser) plus the form's CSRF field. No token →
  401 ``unauthenticated``; a wrong token → 403 ``forbidden``; a form whose
  CSRF field does not match its session → 403 ``csrf_failed``.
* Bodies over :data:`MAX_BODY` bytes are refused (413 ``body_too_large``)
  before the app reads them, whether announced by Content-Length or not.
* Only the Host names the server was bound to are answered (no DNS rebinding).
* Content-Security-Policy :data:`CSP`: nothing from another host, no inline script.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from kvarter.web.errors import WebError

#: The largest request body accepted, in bytes.
MAX_BODY = 64 * 1024

#: Only this server's own files; no inline scripts, no other host, no framing.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")

HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]

LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def new_token() -> str:
    """A fresh random token (URL-safe, 32 bytes of entropy).

    >>> len(new_token()) >= 40
    True
    """
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What the session keeps to say it was logged in with ``token`` (not the token itself).

    >>> token_digest("a") == token_digest("a") != token_digest("b")
    True
    """
    return hashlib.sha256(("kvarter-web:" + token).encode()).hexdigest()


def check_bearer(header: str | None, token: str) -> bool:
    """Whether an Authorization header carries ``token``; raise 401/403 :class:`WebError` otherwise.

    Returns False when there is no Authorization header (the caller may then
    accept a logged-in session instead).

    >>> check_bearer("Bearer s3cret", "s3cret"), check_bearer(None, "s3cret")
    (True, False)
    >>> check_bearer("Bearer nope", "s3cret")
    Traceback (most recent call last):
    ...
    kvarter.web.errors.WebError: The token is wrong.
    """
    if not header:
        return False
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise WebError(401, "unauthenticated", "Authorization must be 'Bearer TOKEN'.",
                       headers={"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(value.strip().encode(), token.encode()):
        raise WebError(403, "forbidden", "The token is wrong.")
    return True


def session_authenticated(session: dict, token: str) -> bool:
    """Whether the session was logged in with the current token.

    >>> session_authenticated({"auth": token_digest("t")}, "t"), session_authenticated({}, "t")
    (True, False)
    """
    got = session.get("auth")
    return isinstance(got, str) and hmac.compare_digest(got, token_digest(token))


def csrf_token(session: dict) -> str:
    """The session's CSRF value (made on first use).

    >>> s = {}
    >>> csrf_token(s) == csrf_token(s) == s["csrf"]
    True
    """
    value = session.get("csrf")
    if not isinstance(value, str) or len(value) < 20:
        value = secrets.token_urlsafe(24)
        session["csrf"] = value
    return value


def check_csrf(session: dict, sent) -> None:
    """Refuse (403 ``csrf_failed``) a form whose CSRF field is not its session's.

    >>> check_csrf({"csrf": "a" * 32}, "a" * 32)
    >>> check_csrf({"csrf": "a" * 32}, "forged")
    Traceback (most recent call last):
    ...
    kvarter.web.errors.WebError: The form's CSRF field is missing or does not match this session; reload the form and send it again.
    """
    want = session.get("csrf")
    if not isinstance(want, str) or not isinstance(sent, str) or not hmac.compare_digest(want, sent):
        raise WebError(403, "csrf_failed", "The form's CSRF field is missing or does not match this session; "
                                           "reload the form and send it again.")


def _error_response(status: int, reason: str, message: str):
    from starlette.responses import JSONResponse

    body = WebError(status, reason, message).body()
    return JSONResponse(body, status_code=status, headers={k.decode(): v.decode() for k, v in HEADERS})


class Guard:
    """ASGI middleware: the Host check, the body limit and the security headers on every response."""

    def __init__(self, app, *, allowed_hosts, max_body: int = MAX_BODY):
        self.app = app
        self.allowed = None if "*" in allowed_hosts else {h.lower() for h in allowed_hosts}
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
        if self.allowed is not None and name.lower() not in self.allowed:
            return await _error_response(400, "bad_host", f"Host {host!r} is not served here.")(scope, receive, send)
        length = headers.get("content-length")
        if length is not None:
            try:
                n = int(length)
            except ValueError:
                return await _error_response(400, "invalid_input", "Content-Length is not a number.")(
                    scope, receive, send)
            if n > self.max_body:
                return await _error_response(413, "body_too_large",
                                             f"The body has {n} bytes; the limit is {self.max_body}.")(
                    scope, receive, send)
        body_events = None
        if scope.get("method") in ("POST", "PUT", "PATCH", "DELETE"):
            # Read the body here (it is small), so a body without a length is
            # measured too before the app sees any of it.
            chunks, total = [], 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                total += len(chunk)
                if total > self.max_body:
                    return await _error_response(413, "body_too_large",
                                                 f"The body is larger than the limit of {self.max_body} bytes.")(
                        scope, receive, send)
                chunks.append(chunk)
                if not message.get("more_body"):
                    break
            body_events = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def replay():
            if body_events:
                return body_events.pop(0)
            return await receive()

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + [(k, v) for k, v in HEADERS if k not in have]
            await send(message)

        await self.app(scope, replay if body_events is not None else receive, send_with_headers)


def parse_json(body: bytes):
    """A request body as JSON, or 422 ``invalid_input`` naming the problem.

    >>> parse_json(b'{"a": 1}')
    {'a': 1}
    >>> parse_json(b'{"a": ')
    Traceback (most recent call last):
    ...
    kvarter.web.errors.WebError: The body is not valid JSON: Expecting value at line 1, column 7.
    """
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise WebError(422, "invalid_input", "The body is not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        raise WebError(422, "invalid_input",
                       f"The body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.") from None
