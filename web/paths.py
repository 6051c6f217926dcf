"""Where a person is sent after signing in: only a path on this site, so a crafted link cannot send them
elsewhere (an open redirect would let a phishing page borrow govern's address)."""

from urllib.parse import quote, urlsplit


def safe_next(value: str | None) -> str | None:
    """`value` when it is a local absolute path (e.g. /cases/grant/2027-014/tasks/screening), else None."""
    if not value or len(value) > 2000:
        return None
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(ord(char) < 32 for char in value):
        return None
    return value


def sign_in_path(next_path: str | None) -> str:
    safe = safe_next(next_path)
    return "/sign-in" if safe is None or safe in ("/", "/tasks") else f"/sign-in?next={quote(safe, safe='/')}"
