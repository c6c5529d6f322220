"""Typed readers for settings taken from environment variables.

Each helper raises ``ImproperlyConfigured`` on a value it cannot read, so a typo in a
deployment's environment stops the process at start instead of surfacing later as odd behaviour.
"""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None else value.strip()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def example_values(path: Path, name: str) -> set[str]:
    """The values an example variables file (``.env.example``) shows for ``name``, on set and
    commented-out lines alike: values anyone can read, so never secrets."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return set()
    pattern = re.compile(rf"#?\s*{re.escape(name)}=(.*)")
    matches = (pattern.fullmatch(line.strip()) for line in text.splitlines())
    return {match.group(1).strip() for match in matches if match and match.group(1).strip()}


def check_public_url(name: str, value: str) -> str:
    """``value`` if it is an absolute https URL on a host users can open; else raise. Links in
    e-mails and open data go out with it: a loopback or unspecified address leads nowhere."""
    parts = urlsplit(value or "")
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme != "https" or not host:
        raise ImproperlyConfigured(
            f"{name} must be the portal's public address, an absolute https:// URL such as "
            f"https://rdec-portal.tainan.gov.tw, got {value!r}"
        )
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        loopback = host == "localhost" or host.endswith(".localhost")
    else:
        loopback = address.is_loopback or address.is_unspecified
    if loopback:
        raise ImproperlyConfigured(
            f"{name} must be an address users can open, not this machine's own, got {value!r}"
        )
    return value


_DB_ENGINES = {
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
    "sqlite": "django.db.backends.sqlite3",
}


def parse_database_url(url: str) -> dict:
    """Turn ``postgres://user:pass@host:port/name?sslmode=require`` into a DATABASES entry.

    Written here rather than adding dj-database-url: the portal supports exactly two schemes,
    and this is the whole of what it needs.
    """
    parts = urlsplit(url)
    engine = _DB_ENGINES.get(parts.scheme)
    if engine is None:
        raise ImproperlyConfigured(
            f"DATABASE_URL scheme must be postgres:// or sqlite:///, got {parts.scheme!r}"
        )
    if engine.endswith("sqlite3"):
        # sqlite:///relative.db or sqlite:////absolute/path.db
        name = parts.path[1:] if parts.path.startswith("/") else parts.path
        if not name:
            raise ImproperlyConfigured("DATABASE_URL for sqlite needs a file path")
        return {"ENGINE": engine, "NAME": name}
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured("DATABASE_URL must name a database, e.g. postgres://u@h/db")
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured("DATABASE_URL has an invalid port") from None
    options = dict(parse_qsl(parts.query))
    # No parallel plans, unless the URL's ``?options=`` says otherwise: on the portal's 2-vCPU
    # machines starting the workers cost a statistics query more than it saved (the five-year
    # dashboard 18 ms a request), and the largest job, the rollups' rebuild over 1.5M cases,
    # took 55.6 s either way (tests/perf/RESULTS.md, 2026-12-07).
    options.setdefault("options", "-c max_parallel_workers_per_gather=0")
    return {
        "ENGINE": engine,
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(port or ""),
        "OPTIONS": options,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
