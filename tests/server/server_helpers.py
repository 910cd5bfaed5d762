"""In-process app helper shared by the server and client tests."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

import httpx

from envgym.client import AsyncClient
from envgym_server import ServerConfig, create_app


@asynccontextmanager
async def running_app(**config: Any) -> AsyncIterator[tuple[Any, httpx.AsyncClient, AsyncClient]]:
    """The app with its lifespan (reaper, shutdown) running; yields (app, raw httpx client, envgym client)."""
    config.setdefault("sandbox", "process")
    app = create_app(ServerConfig(**config))
    transport = httpx.ASGITransport(app)
    headers = {"authorization": f"Bearer {config['token']}"} if config.get("token") else {}
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as raw:
            async with AsyncClient("http://test", transport=transport, token=config.get("token")) as client:
                yield app, raw, client
