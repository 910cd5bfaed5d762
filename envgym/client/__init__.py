"""The client layer: talks to a server through the protocol only.

``client`` (``AsyncClient``, its blocking twin ``Client`` and ``RemoteEpisode``, re-exported here:
``from envgym.client import AsyncClient``), ``http`` (the kept-alive connection a session's steps
ride on) and ``ws`` (``WebSocketEpisode``, one episode over one WebSocket).

Example:
    >>> from envgym.client import Client
    >>> Client.__name__
    'Client'
"""

from __future__ import annotations

from envgym.client.client import (
    AsyncClient,
    Client,
    ClientTimeout,
    RemoteEpisode,
    ServerUnreachable,
    SyncEpisode,
    error_from_response,
)

__all__ = [
    "AsyncClient",
    "Client",
    "ClientTimeout",
    "RemoteEpisode",
    "ServerUnreachable",
    "SyncEpisode",
    "error_from_response",
]
