"""A URL shortener: base62 short codes, an in-memory or JSON-file store, a WSGI app and a command line."""

from shorty.codec import decode, encode
from shorty.errors import InvalidURL, LinkExpired, UnknownLink
from shorty.service import Shortener
from shorty.storage import JsonFileStorage, MemoryStorage

__all__ = ["InvalidURL", "JsonFileStorage", "LinkExpired", "MemoryStorage", "Shortener", "UnknownLink", "decode", "encode"]
