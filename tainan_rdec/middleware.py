"""Request plumbing the security settings rely on: the body-size limit, the sliding session
expiry and the client address."""

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpResponse
from django.template.loader import render_to_string


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is larger than ``MAX_REQUEST_BYTES`` with 413.

    Django bounds form fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams file parts to disk
    whatever their size, so without this a single upload could fill the disk before any form
    rejects it. The WSGI server reads no more than Content-Length, so checking it is enough.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            return HttpResponse(
                render_to_string(
                    "tainan_rdec/request_too_large.html",
                    {"limit": settings.MAX_REQUEST_BYTES},
                ),
                status=413,
            )
        return self.get_response(request)


class SessionIdleTimeoutMiddleware:
    """Keep a signed-in session alive while it is used: the idle timeout.

    A session ends SESSION_COOKIE_AGE seconds after it was last saved. Saving it on every request
    (SESSION_SAVE_EVERY_REQUEST) would add a database write to every page; instead a session in
    use is saved again once a twelfth of that age has passed since the last save, so it ends
    between 11/12 and all of SESSION_COOKIE_AGE after the last request (55 to 60 minutes by
    default). Placed after SessionMiddleware: its response runs first, and SessionMiddleware
    then saves what it marked.
    """

    RENEWED_AT = "_renewed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a session this request already read (no extra query) and that belongs to a
        # signed-in user; a signed-out session is empty and never saved.
        if session is None or not session.accessed or not session.get(SESSION_KEY):
            return response
        now = int(time.time())
        renewed = session.get(self.RENEWED_AT)
        if renewed is None:
            # Signing in saves the session anyway (the sign-in request passes here): mark it
            # then, at no extra cost. A session made without a request (the test client's
            # force_login) is left as it is.
            if session.modified:
                session[self.RENEWED_AT] = now
        elif now - renewed >= max(1, settings.SESSION_COOKIE_AGE // 12):
            session[self.RENEWED_AT] = now
        return response


def client_address(request) -> str:
    """The address a request came from, for login throttling (``AXES_CLIENT_IP_CALLABLE``)."""
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXY_COUNT
    if not trusted:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    return hops[-trusted] if len(hops) >= trusted else remote
