"""Checking and normalising the URLs people ask to shorten, so equal URLs share one short link."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from shorty.errors import InvalidURL

MAX_LENGTH = 2048  # what most browsers and proxies accept
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_url(url: str, blocked_hosts: frozenset[str] = frozenset()) -> str:
    """The canonical form of an http(s) URL: lowercase scheme and host, no default port, no fragment.

    ``blocked_hosts`` are refused, typically the shortener's own host, so that short links cannot point at
    other short links and form loops.
    """
    url = url.strip()
    if len(url) > MAX_LENGTH:
        raise InvalidURL(f"URL longer than {MAX_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"not a valid URL: {url!r} ({exc})") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host:
        raise InvalidURL(f"not an http(s) URL: {url!r}")
    if host in blocked_hosts:
        raise InvalidURL(f"links to {host} cannot be shortened")
    if any(char.isspace() for char in url):
        raise InvalidURL(f"URL contains whitespace: {url!r}")
    if parts.username:
        raise InvalidURL("URLs with credentials cannot be shortened")
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
