"""Load typed settings from INI text or files, then apply environment-variable overrides.

Precedence, lowest first: the option's default, the files in the order given, the environment.
"""

from __future__ import annotations

import configparser
import os
from typing import Any, Iterable, Mapping

from confload.convert import coerce
from confload.env import overrides
from confload.schema import ConfigError, Option, check_schema

Config = dict[str, dict[str, Any]]


def _parse(text: str, source: str) -> configparser.ConfigParser:
    # Interpolation is off: values such as passwords or URL templates may contain a literal "%".
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=source)
    except configparser.Error as exc:
        raise ConfigError(f"{source}: {exc}") from None
    return parser


def _check_strict(parsers: list[configparser.ConfigParser], options: list[Option]) -> None:
    known = {(o.section, o.key) for o in options}
    for parser in parsers:
        for section in parser.sections():
            for key in parser.options(section):
                if (section, key) not in known:
                    raise ConfigError(f"{section}.{key} is not a known option")


def _resolve(parsers: list[configparser.ConfigParser], schema: Iterable[Option], environ: Mapping[str, str] | None,
             prefix: str, strict: bool) -> Config:
    options = check_schema(schema)
    if strict:
        _check_strict(parsers, options)
    environ = os.environ if environ is None else environ
    from_env = overrides(environ, options, prefix)
    result: Config = {}
    for option in options:
        raw = from_env.get((option.section, option.key))
        if raw is None:
            # The last file that sets the option wins.
            raw = next((p.get(option.section, option.key) for p in reversed(parsers)
                        if p.has_option(option.section, option.key)), None)
        if raw is None:
            if option.required:
                raise ConfigError(f"{option.name} is required")
            result.setdefault(option.section, {})[option.key] = option.default
            continue
        result.setdefault(option.section, {})[option.key] = coerce(option, raw.strip())
    return result


def load(text: str, schema: list[Option], environ: Mapping[str, str] | None = None, prefix: str = "APP",
         strict: bool = False) -> Config:
    """The settings of ``schema`` from INI ``text`` and ``environ`` (``os.environ`` if None).

    With ``strict``, a key the schema does not declare is an error instead of being ignored.
    """
    return _resolve([_parse(text, "<string>")], schema, environ, prefix, strict)


def load_files(paths: Iterable[str], schema: list[Option], environ: Mapping[str, str] | None = None,
               prefix: str = "APP", strict: bool = False, missing_ok: bool = True) -> Config:
    """Like :func:`load` over several files, later files overriding earlier ones (``base.ini``, ``local.ini``).

    Missing files are skipped unless ``missing_ok`` is False.
    """
    parsers = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as fh:
                parsers.append(_parse(fh.read(), path))
        except FileNotFoundError:
            if not missing_ok:
                raise ConfigError(f"{path}: no such file") from None
    return _resolve(parsers, schema, environ, prefix, strict)
