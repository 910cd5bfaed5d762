"""Run ``envgym serve`` with the test plugins registered: ``python serve_testenvs.py '<ServerConfig JSON>'``.

The tests start it as a subprocess when the real network path matters (uvicorn, sockets, signals).
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import server_testenvs  # noqa: E402

from envgym_server.cli import serve  # noqa: E402
from envgym_server.config import ServerConfig  # noqa: E402

if __name__ == "__main__":
    server_testenvs.install()
    serve(ServerConfig.model_validate(json.loads(sys.argv[1])), log_level="warning")
