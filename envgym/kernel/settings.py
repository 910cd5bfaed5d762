"""Typed host settings: a family or grader declares its ``--set prefix.key=value`` settings as a
``Settings`` model (``prefix``: its plugin name) and points at it with ``settings_model``; every host
checks what it was given against those models as it starts (``check_settings``). Unchecked: keys
under a prefix without a model (a third-party family without one reads them as before) and
unprefixed keys other than the core's (``CoreSettings``).

Example:
    >>> class ToySettings(Settings):
    ...     prefix: ClassVar[str] = "toy"
    ...     retries: int = Field(default=1, description="attempts per call")
    >>> read_settings({"toy.retries": "3", "other.x": 1}, ToySettings).retries
    3
    >>> read_settings({"toy.retrys": 3}, ToySettings)
    Traceback (most recent call last):
    ...
    envgym.protocol.errors.InvalidRequest: [invalid_request] unknown setting 'toy.retrys'; did you mean 'toy.retries'? The toy settings are: toy.retries
"""

from __future__ import annotations

import difflib
from typing import Any, ClassVar, Iterable, Mapping, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from envgym.kernel import registry
from envgym.protocol.errors import EnvgymError, InvalidRequest

S = TypeVar("S", bound="Settings")
M = TypeVar("M", bound=BaseModel)


class Settings(BaseModel):
    """The base of a settings model: unknown keys are refused, values are read once and frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    prefix: ClassVar[str] = ""


class CoreSettings(Settings):
    """Settings every family may read; unprefixed (``--set step_timeout_s=30``)."""

    step_timeout_s: float | None = Field(
        default=None, gt=0, description="seconds one step may take; the server sets it to its own --step-timeout"
    )


def read_settings(settings: Mapping[str, Any], model: type[S]) -> S:
    """The ``model.prefix`` settings of ``settings`` as ``model`` (its defaults for keys not given).
    ``InvalidRequest`` naming the key when one is no field of the model or has the wrong type."""
    if model.prefix:
        start = model.prefix + "."
        values = {k[len(start) :]: v for k, v in settings.items() if k.startswith(start)}
    else:  # the core's unprefixed keys sit among other plugins' unprefixed keys: check only its own
        values = {k: v for k, v in settings.items() if k in model.model_fields}
    return read_model(model, model.prefix, values)


def read_model(
    model: type[M],
    prefix: str,
    values: Mapping[str, Any],
    what: str = "setting",
    error: type[EnvgymError] = InvalidRequest,
) -> M:
    """``values`` as ``model``; ``error`` naming the key ``prefix.name`` (details: the key under the
    last word of ``what``, and the valid keys) when a key is no field of the model or its value has
    the wrong type. The one reader of host settings and of a grader's config (``read_config``).

    Example:
        >>> read_model(CoreSettings, "", {"step_timeout_s": "soon"})
        Traceback (most recent call last):
        ...
        envgym.protocol.errors.InvalidRequest: [invalid_request] setting 'step_timeout_s': Input should be a valid number, unable to parse string as a number (got 'soon')
    """
    for name in values:
        if name not in model.model_fields:
            raise unknown_key(prefix, name, model.model_fields, what, error)
    try:
        return model.model_validate(dict(values))
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join([prefix, *map(str, first["loc"])]).strip(".")
        valid = [f"{prefix}.{n}".strip(".") for n in sorted(model.model_fields)]
        value = first["input"]
        shown = repr(value[:200]) if isinstance(value, str) else repr(value)[:200]  # a string stays quoted
        message = f"{what} {key!r}: {first['msg']} (got {shown})"
        raise error(message, details={what.split()[-1]: key, "valid": valid}) from None


def unknown_key(
    prefix: str, name: str, fields: Iterable[str], what: str = "setting", error: type[EnvgymError] = InvalidRequest
) -> EnvgymError:
    """``error`` naming the unknown ``prefix.name``, the closest valid key and all of them (also for
    a grader's config keys: ``read_model``)."""
    key, valid = f"{prefix}.{name}", [f"{prefix}.{n}" for n in sorted(fields)]
    close = difflib.get_close_matches(key, valid, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return error(
        f"unknown {what} {key!r}{hint} The {prefix} {what}s are: {', '.join(valid)}",
        details={what.split()[-1]: key, "valid": valid, "suggestion": close[0] if close else None},
    )


def declared_models(prefix: str) -> list[tuple[Any, type[Settings]]]:
    """``(plugin, model)`` for the installed family and grader plugins named ``prefix`` that declare
    a settings model (a plugin that fails to import declares none here: its own error shows where
    it is used)."""
    models = []
    for group in ("environments", "graders"):
        if not any(p.name == prefix for p in registry.list_plugins(group)):
            continue
        try:
            obj = registry.load(group, prefix)
        except EnvgymError:
            continue
        model = getattr(obj, "settings_model", None)
        if isinstance(model, type) and issubclass(model, Settings) and model.prefix == prefix:
            models.append((obj, model))
    return models


def check_settings(settings: Mapping[str, Any]) -> list[tuple[Any, Settings]]:
    """Refuse (``InvalidRequest`` naming the key) a setting that a declared model does not have or
    whose value is of the wrong type: what every host calls at start-up (``EnvContext``, ``--set``).
    Returns ``(plugin, its settings)`` for each plugin with a model that a key was given for."""
    read_settings(settings, CoreSettings)
    given = []
    for prefix in sorted({k.partition(".")[0] for k in settings if "." in k}):
        models = declared_models(prefix)
        fields = {name for _, model in models for name in model.model_fields}
        values = {k[len(prefix) + 1 :]: v for k, v in settings.items() if k.startswith(prefix + ".")}
        for name in values if models else ():
            if name not in fields:
                raise unknown_key(prefix, name, fields)
        for owner, model in models:
            mine = {f"{prefix}.{n}": v for n, v in values.items() if n in model.model_fields}
            given.append((owner, read_settings(mine, model)))
    return given
