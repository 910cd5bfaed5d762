from microweb.app import App
from microweb.http import Request, Response

__all__ = ["App", "Request", "Response"]
