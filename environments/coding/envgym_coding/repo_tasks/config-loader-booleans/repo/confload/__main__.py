"""``python -m confload FILE.ini [FILE.ini ...] --schema package.module:SCHEMA [--describe]``.

Prints the effective settings (files plus environment) as JSON, or the schema's option table.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys

from confload.dump import describe
from confload.loader import load_files
from confload.schema import ConfigError


def import_schema(target: str) -> list:
    module_name, _, attribute = target.partition(":")
    if not attribute:
        raise ConfigError(f"--schema {target!r}: expected module:attribute")
    return list(getattr(importlib.import_module(module_name), attribute))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="confload", description="Show the effective configuration.")
    parser.add_argument("files", nargs="*", metavar="FILE")
    parser.add_argument("--schema", required=True, help="where the option list lives, as module:attribute")
    parser.add_argument("--prefix", default="APP", help="environment-variable prefix")
    parser.add_argument("--strict", action="store_true", help="reject keys the schema does not declare")
    parser.add_argument("--describe", action="store_true", help="print the option table and exit")
    args = parser.parse_args(argv)
    try:
        schema = import_schema(args.schema)
        if args.describe:
            print(describe(schema, args.prefix), end="")
            return 0
        config = load_files(args.files, schema, prefix=args.prefix, strict=args.strict, missing_ok=False)
    except (ConfigError, ImportError, AttributeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    json.dump(config, sys.stdout, indent=2, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
