"""``envgym serve``: registered on the ``envgym`` CLI through the ``envgym.commands`` entry point.

Example:
    $ envgym serve --port 8000 --max-sessions 2000 --set judge_base_url=http://127.0.0.1:8001/v1
    $ ENVGYM_TOKEN=s3cret envgym serve --host 0.0.0.0
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import resource
from typing import Any, Optional

import typer
from pydantic import ValidationError

from envgym_server.config import ServerConfig

DEFAULTS = ServerConfig.model_fields


def raise_open_files_limit() -> tuple[int, int]:
    """Raise RLIMIT_NOFILE's soft limit to the hard limit: each client connection is a descriptor,
    and 1,000 clients plus sandboxes pass the common default of 1,024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def uvicorn_config(app: Any, config: ServerConfig, *, log_level: str = "info", access_log: bool = False) -> Any:
    """uvicorn settings for many concurrent clients: uvloop + httptools, a deep accept backlog,
    keep-alive longer than a trainer's pause between steps, no per-request access log."""
    import uvicorn

    from envgym_server.protocol import with_header_deadline

    ws = (
        "websockets-sansio"
        if importlib.util.find_spec("uvicorn.protocols.websockets.websockets_sansio_impl")
        else "websockets"
    )
    return uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        loop="uvloop",
        http=with_header_deadline(config.header_timeout_s),
        ws=ws,
        backlog=4096,
        timeout_keep_alive=120,
        ws_max_size=config.max_body_bytes,
        timeout_graceful_shutdown=max(5, int(config.close_timeout_s)),
        log_level=log_level,
        access_log=access_log,
        lifespan="on",
        proxy_headers=False,
        server_header=False,
    )


def serve(config: ServerConfig, *, log_level: str = "info", access_log: bool = False) -> None:
    """Run the server until SIGINT/SIGTERM; shutdown closes every session and sandbox."""
    import uvicorn

    from envgym_server.app import create_app
    from envgym_server.gc_tuning import tune_for_sessions

    raise_open_files_limit()
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = uvicorn.Server(uvicorn_config(create_app(config), config, log_level=log_level, access_log=access_log))
    tune_for_sessions(config.max_sessions)
    server.run()


def _configured(field: str, help: str) -> Any:
    """A ``serve`` option whose default is ``ServerConfig``'s own."""
    return typer.Option(DEFAULTS[field].default, help=help)


def register(app: typer.Typer) -> None:
    """Entry point of group ``envgym.commands``: add ``serve`` to the envgym CLI."""

    @app.command("serve")
    def serve_command(
        host: str = _configured("host", "address to bind; anything but loopback needs a token"),
        port: int = _configured("port", "TCP port"),
        token: Optional[str] = typer.Option(
            None, envvar="ENVGYM_TOKEN", help="bearer token clients must send (default: $ENVGYM_TOKEN)"
        ),
        max_sessions: int = _configured("max_sessions", "open sessions at once; then 503 capacity_exhausted"),
        step_timeout: float = _configured(
            "step_timeout_s", "seconds one reset/step/grade may take before it is cancelled"
        ),
        idle_timeout: float = _configured("idle_timeout_s", "seconds before an untouched session is closed"),
        max_body_bytes: int = _configured("max_body_bytes", "largest request body / WebSocket message"),
        header_timeout: float = _configured(
            "header_timeout_s", "seconds a request's line and headers may take to arrive"
        ),
        body_timeout: float = _configured("body_timeout_s", "seconds a request's body may take to arrive"),
        max_finished_sessions: int = _configured(
            "max_finished_sessions", "finished sessions kept readable; then the oldest are forgotten"
        ),
        max_session_lifetime: float = _configured(
            "max_session_lifetime_s", "seconds after which a session is ended (timeout)"
        ),
        max_task_memory_mb: int = _configured("max_task_memory_mb", "memory a hand-made task's sandbox may ask for"),
        max_task_disk_mb: int = _configured("max_task_disk_mb", "disk a hand-made task's sandbox may ask for"),
        max_task_cpu_s: int = _configured("max_task_cpu_s", "CPU seconds per command a hand-made task may ask for"),
        max_task_command_timeout_s: float = _configured(
            "max_task_command_timeout_s", "seconds per command a hand-made task may ask for"
        ),
        grader_workers: Optional[int] = typer.Option(
            None, help="processes for bounded grading work (default min(4, CPUs))"
        ),
        sandbox: str = _configured("sandbox", "sandbox provider for every environment (bwrap, docker, process)"),
        settings: list[str] = typer.Option(
            [], "--set", help="KEY=VALUE passed to every environment as EnvContext.settings (repeatable)"
        ),
        log_level: str = typer.Option("info", help="debug, info, warning, error"),
        access_log: bool = typer.Option(False, help="log every request (costs throughput)"),
    ) -> None:
        """Serve the envgym HTTP API (sessions over REST and WebSocket, grading, metrics)."""
        from envgym.cli.app import fail, settings_option

        try:
            config = ServerConfig(
                host=host,
                port=port,
                token=token,
                max_sessions=max_sessions,
                step_timeout_s=step_timeout,
                idle_timeout_s=idle_timeout,
                max_body_bytes=max_body_bytes,
                sandbox=sandbox,
                header_timeout_s=header_timeout,
                body_timeout_s=body_timeout,
                max_finished_sessions=max_finished_sessions,
                max_session_lifetime_s=max_session_lifetime,
                max_task_memory_mb=max_task_memory_mb,
                max_task_disk_mb=max_task_disk_mb,
                max_task_cpu_s=max_task_cpu_s,
                max_task_command_timeout_s=max_task_command_timeout_s,
                grader_workers=grader_workers,
                settings=settings_option(settings),
            )
        except ValidationError as exc:
            raise fail(
                "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'config'}: {e['msg'].removeprefix('Value error, ')}"
                    for e in exc.errors()
                ),
                code=2,
            )
        serve(config, log_level=log_level, access_log=access_log)
