import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VALUES = {"launch-code": os.environ.get("LAUNCH_CODE", ""), "motd": "hi"}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        key = self.path.removeprefix("/get/")
        if self.path.startswith("/get/") and key in VALUES:
            body, code = VALUES[key].encode(), 200
        else:
            body, code = b"not found", 404
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
