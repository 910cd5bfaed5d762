"""envgym-server: the HTTP service (FastAPI + uvicorn) of docs/architecture.md §5.

Example:
    >>> from envgym_server import ServerConfig, create_app
    >>> app = create_app(ServerConfig(sandbox="process"))
    >>> "/v1/sessions/{session_id}/step" in app.openapi()["paths"]
    True
"""

from envgym_server.app import create_app
from envgym_server.config import ServerConfig
from envgym_server.state import ServerState, get_state

__all__ = ["ServerConfig", "ServerState", "create_app", "get_state"]
