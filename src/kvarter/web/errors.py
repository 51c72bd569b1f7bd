"""One error shape for the web app: ``{"error": {"status", "reason", "message"}}``
(plus ``failures`` for a validation error), with a reason code from
:data:`REASONS`; browsers asking for HTML get the same as a page."""

from __future__ import annotations

#: The reason codes the app answers with, and what each means.
REASONS: dict[str, str] = {
    "unauthenticated": "the request carries no token (Authorization: Bearer TOKEN, or log in)",
    "forbidden": "the token is wrong",
    "csrf_failed": "the form's CSRF field is missing or does not match the session",
    "invalid_input": "a parameter or the body failed validation",
    "not_found": "no such page",
    "unknown_area": "no such area in the publication",
    "unknown_municipality": "no such municipality in the publication",
    "unknown_ruleset": "no such rule set in the publication",
    "unknown_year": "the rule set has no screening for that year",
    "unknown_indicator": "no such indicator published at area level",
    "unknown_initiative": "no such initiative in the registry",
    "version_conflict": "the record changed since the version the edit was based on",
    "conflict": "the record exists already",
    "body_too_large": "the request body is larger than the limit",
    "unsupported_media_type": "the body must be JSON or a form",
    "method_not_allowed": "the method is not allowed on this path",
    "bad_host": "the Host header is not one this server answers to",
    "building": "the publication is being built; try again shortly",
    "store_busy": "another program holds the store file; try again shortly",
    "read_only": "this server has no store to write the registry to",
    "internal_error": "an unexpected error; the server log has the details",
}


class WebError(Exception):
    """An error answered as the one shape: HTTP ``status``, a ``reason`` code and a message.

    >>> e = WebError(404, "unknown_area", "There is no area 'X'.")
    >>> e.body()
    {'error': {'status': 404, 'reason': 'unknown_area', 'message': "There is no area 'X'."}}
    """

    def __init__(self, status: int, reason: str, message: str, *, failures: list | None = None,
                 headers: dict | None = None):
        if reason not in REASONS:
            raise ValueError(f"Unknown reason code {reason!r}; add it to kvarter.web.errors.REASONS.")
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message
        self.failures = failures
        self.headers = headers or {}

    def body(self) -> dict:
        err = {"status": self.status, "reason": self.reason, "message": self.message}
        if self.failures:
            err["failures"] = self.failures
        return {"error": err}
