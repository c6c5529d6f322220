"""What every public open-data feed shares (the Open311 API in petitions/views/open311.py, the
OC4IDS package in projects/views/open_data.py): one decorator, ``public_feed``, and one renderer
of a Python structure as JSON or XML.

A feed is public, read-only data for programs, so ``public_feed``:

- counts each request against the client address's budget (``OPEN_DATA_RATE_LIMIT`` requests
  per ``OPEN_DATA_RATE_WINDOW`` seconds, tainan_rdec/throttle.py) and answers 429 with
  ``Retry-After`` past it;
- answers a CORS preflight (OPTIONS) and any write method itself — 204 with the allowed
  methods, or 405 with ``Allow`` — and is exempt from CSRF: it changes nothing, and a program
  posting to it must learn "read-only", not get the portal's HTML "CSRF 驗證失敗" page;
- lets any origin read it (``Access-Control-Allow-Origin: *``; no credentials are involved);
- speaks zh-Hant whatever the request's Accept-Language: the data is Chinese, and the header
  (and any cache key the view makes) must say one language;
- gzips the body for clients that accept it, and gives it an ETag (304 on a conditional GET);
- lets shared caches keep a successful answer ``max_age`` seconds.

Every error (400, 404, 405, 429) is the feed's own machine-readable error body, which the view
supplies as ``error(request, status, message)``.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import conditional_page

from tainan_rdec import throttle
from tainan_rdec.middleware import client_address

JSON = "json"
XML = "xml"
CONTENT_TYPES = {JSON: "application/json; charset=utf-8", XML: "text/xml; charset=utf-8"}

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

READ_METHODS = ("GET", "HEAD", "OPTIONS")
# Headers a browser script may read from a feed's answer (paging, caching, the rate limit).
EXPOSED_HEADERS = "ETag, Last-Modified, Link, Retry-After, X-Total-Count"
# Headers a cross-origin script may send: a conditional GET is the one a careful client sends.
ALLOWED_HEADERS = "Accept, Accept-Language, If-Modified-Since, If-None-Match"
THROTTLE_SCOPE = "open_data"

ErrorAnswer = Callable[[HttpRequest, int, str], HttpResponse]


def public_feed(error: ErrorAnswer, *, max_age: int, read_only: bool = True):
    """Decorate a public feed view (see the module docstring). ``read_only=False`` leaves
    every method to the view: the catch-all that answers an unknown URL with a 404 whatever
    the method."""

    def decorate(view):
        compressed = gzip_page(conditional_page(view))

        @wraps(view)
        def feed(request, *args, **kwargs):
            with translation.override(settings.LANGUAGE_CODE):
                response = _answer(request, compressed, error, read_only, args, kwargs)
                if 200 <= response.status_code < 400:
                    patch_cache_control(response, public=True, max_age=max_age)
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
            response["Content-Language"] = settings.LANGUAGE_CODE
            return response

        return csrf_exempt(feed)

    return decorate


def _answer(request, view, error: ErrorAnswer, read_only: bool, args, kwargs) -> HttpResponse:
    wait = throttle.seconds_to_wait(
        THROTTLE_SCOPE,
        client_address(request),
        limit=settings.OPEN_DATA_RATE_LIMIT,
        window=settings.OPEN_DATA_RATE_WINDOW,
    )
    if wait:
        response = error(
            request, 429, _("請求過於頻繁，請於 {seconds} 秒後再試。").format(seconds=wait)
        )
        response["Retry-After"] = str(wait)
        return response
    if read_only and request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Allow"] = response["Access-Control-Allow-Methods"] = ", ".join(READ_METHODS)
        response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response["Access-Control-Max-Age"] = "86400"
        return response
    if read_only and request.method not in READ_METHODS:
        response = error(
            request,
            405,
            _("開放資料只供讀取，不接受 {method} 請求。").format(method=request.method),
        )
        response["Allow"] = ", ".join(READ_METHODS)
        return response
    return view(request, *args, **kwargs)


class FormatConverter:
    """A URL's format extension, ``json`` or ``xml`` (registered by the URLconf that uses it)."""

    regex = f"{JSON}|{XML}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def format_of(request) -> str:
    """The format a feed URL asks for by its extension: XML for ``.xml``, otherwise JSON."""
    return XML if request.path.endswith(".xml") else JSON


def render(data, fmt: str, *, status: int = 200, root: str = "", items=None) -> HttpResponse:
    """``data`` (dicts, lists, strings, numbers, booleans, None) as JSON, or as XML under the
    element ``root`` with each list's entries named by ``items`` (list element → entry
    element)."""
    if fmt == XML:
        body = to_xml(root, data, items or {})
    else:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return HttpResponse(body, content_type=CONTENT_TYPES[fmt], status=status)


# Characters XML 1.0 cannot carry even escaped: one pasted into a description would make the
# whole document unreadable, so they are dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def to_xml(root: str, data, items: dict[str, str]) -> bytes:
    element = ET.Element(root)
    _fill(element, data, items)
    # The declaration as the GeoReport spec writes it (ElementTree's own uses single quotes).
    return XML_DECLARATION + ET.tostring(element, encoding="unicode").encode("utf-8")


def _fill(element: ET.Element, value, items: dict[str, str]) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ET.SubElement(element, name), child, items)
    elif isinstance(value, list | tuple):
        for child in value:
            _fill(ET.SubElement(element, items[element.tag]), child, items)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))
