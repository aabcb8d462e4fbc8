"""A sign-in handed from the login route to the browser session that showed the form, in this process.

The login form carries a one-time nonce its Streamlit session keeps (session.BIND_KEY). When the
page's script (static/login.js) posts the form in the background, the server checks the password as
for a plain form post, sets the HttpOnly cookie and leaves the new session's token here under that
nonce; the script then asks its Streamlit session to rerun, and the session takes the token. So the
first page after sign-in is drawn in the page already loaded, without reloading Streamlit's
browser code (issue #16 goal 1b), and the token still never reaches a script of the page.

Only the session holding the nonce in its own server-side state can take the token, once, within
TTL. A nonce is signed with a key this process drew at start (mint), so a login POST that reaches
another process behind the sticky-session proxy (a failover, a restart since the form was drawn)
keeps nothing and answers handed=False: the script then reloads the page and the cookie signs it
in, as after a plain form post, instead of asking a session that would find nothing.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time

TTL = 60.0           # seconds between the password check and the session's rerun
MAX_PENDING = 1000   # bounded: a flood of logins cannot grow this without limit
NONCE = re.compile(r"[A-Za-z0-9_-]{32,64}")  # what a form may send at all
_KEY = secrets.token_bytes(32)  # this process's: a nonce minted by another process is not kept here
_RANDOM = 32  # characters of a nonce's random part (24 bytes), the rest its signature (16 bytes)

_lock = threading.Lock()
_pending: dict[str, tuple[str, float]] = {}


def _signature(random_part: str) -> str:
    digest = hmac.new(_KEY, random_part.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def mint() -> str:
    """A new login-form nonce (54 characters of NONCE's alphabet), signed by this process."""
    random_part = secrets.token_urlsafe(24)
    return random_part + _signature(random_part)


def _minted_here(nonce: str) -> bool:
    return hmac.compare_digest(nonce[_RANDOM:], _signature(nonce[:_RANDOM]))


def put(nonce: str | None, token: str) -> bool:
    """Keep token for the session holding nonce; False (nothing kept) for a malformed nonce or one
    this process did not mint."""
    if not nonce or not NONCE.fullmatch(nonce) or not _minted_here(nonce):
        return False
    now = time.monotonic()
    with _lock:
        for key in [k for k, (_, at) in _pending.items() if now - at > TTL]:
            del _pending[key]
        while len(_pending) >= MAX_PENDING:  # the oldest first (dicts keep insertion order)
            del _pending[next(iter(_pending))]
        _pending[nonce] = (token, now)
    return True


def take(nonce: str | None) -> str | None:
    """The token left under nonce within TTL, once; else None."""
    if not nonce:
        return None
    with _lock:
        kept = _pending.pop(nonce, None)
    if kept is None or time.monotonic() - kept[1] > TTL:
        return None
    return kept[0]
