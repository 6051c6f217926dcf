"""The two cookies, both signed (itsdangerous), HttpOnly and SameSite=Lax:

- `govern_session`: the session id of a signed-in person (the database keeps only its hash);
- `govern_browser`: a random id that names this browser, set before sign-in, to which an e-mailed link and an
  OpenID Connect sign-in are bound: a link opened in another browser does not sign anyone in.

Lax (not Strict) because people arrive from their mail client: a Strict cookie is not sent on that first
navigation, and they would look signed out. Forms are protected by their CSRF token, not by SameSite alone.
"""

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "govern_session"
BROWSER_COOKIE = "govern_browser"
BROWSER_MAX_AGE = 30 * 24 * 3600


class CookieJar:
    """Signs and reads the cookies with the installation's session secret."""

    def __init__(self, secret: bytes, secure: bool) -> None:
        self._session = URLSafeSerializer(secret, salt="govern-session")
        self._browser = URLSafeSerializer(secret, salt="govern-browser")
        self._secure = secure

    def session_id(self, request: Request) -> tuple[str | None, bool]:
        """The session id from the cookie, and whether a cookie was there but its signature did not hold."""
        return _read(self._session, request.cookies.get(SESSION_COOKIE))

    def browser_id(self, request: Request) -> str | None:
        value, _ = _read(self._browser, request.cookies.get(BROWSER_COOKIE))
        return value

    def set_session(self, response: Response, session_id: str, max_age: int) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            self._session.dumps(session_id),
            max_age=max_age,
            httponly=True,
            samesite="lax",
            secure=self._secure,
            path="/",
        )

    def clear_session(self, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax", secure=self._secure, path="/")

    def set_browser(self, response: Response, browser_id: str) -> None:
        response.set_cookie(
            BROWSER_COOKIE,
            self._browser.dumps(browser_id),
            max_age=BROWSER_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=self._secure,
            path="/",
        )


def _read(serializer: URLSafeSerializer, value: str | None) -> tuple[str | None, bool]:
    if not value:
        return None, False
    try:
        loaded = serializer.loads(value)
    except BadSignature:
        return None, True
    if not isinstance(loaded, str) or not loaded:
        return None, True
    return loaded, False
