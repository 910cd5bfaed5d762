"""The ``shorty`` command: shorten, expand and count links in a JSON file, or serve them over HTTP."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from shorty.errors import UnknownLink
from shorty.service import Shortener
from shorty.storage import JsonFileStorage


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shorty", description=__doc__)
    parser.add_argument("--db", default="links.json", help="the link file (default: ./links.json)")
    parser.add_argument("--base-url", default="https://sho.rt/", help="prefix of the short URLs")
    sub = parser.add_subparsers(dest="command", required=True)
    shorten = sub.add_parser("shorten", help="print the short URL of URL")
    shorten.add_argument("url")
    shorten.add_argument("--ttl", type=float, help="seconds until the link expires")
    expand = sub.add_parser("expand", help="print the target of a short URL or code (counts no visit)")
    expand.add_argument("short")
    stats = sub.add_parser("stats", help="print visits per code, most visited first")
    stats.add_argument("--top", type=int, default=10)
    serve = sub.add_parser("serve", help="serve redirects and the JSON API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    return parser


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    shortener = Shortener(args.base_url, JsonFileStorage(args.db))
    try:
        if args.command == "shorten":
            print(shortener.shorten(args.url, args.ttl), file=out)
        elif args.command == "expand":
            print(shortener.lookup(args.short).url, file=out)
        elif args.command == "stats":
            for code, visits in shortener.top(args.top):
                print(f"{code}\t{visits}", file=out)
        elif args.command == "serve":
            # Imported here: the other commands should not pay for the HTTP server modules.
            from wsgiref.simple_server import make_server

            from shorty.web import App

            with make_server(args.host, args.port, App(shortener)) as server:
                print(f"serving on http://{args.host}:{args.port}/", file=out)
                server.serve_forever()
    except UnknownLink as exc:
        print(f"shorty: unknown link {exc.args[0]}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"shorty: {exc}", file=sys.stderr)
        return 1
    return 0
