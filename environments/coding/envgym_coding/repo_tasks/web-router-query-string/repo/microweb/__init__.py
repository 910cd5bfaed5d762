"""microweb: a tiny WSGI web framework with path routing, JSON helpers and a test client."""

from microweb.app import App
from microweb.errors import BadRequest, HTTPError, MethodNotAllowed, NotFound
from microweb.http import Request, Response
from microweb.testing import Client

__all__ = ["App", "BadRequest", "Client", "HTTPError", "MethodNotAllowed", "NotFound", "Request", "Response"]
