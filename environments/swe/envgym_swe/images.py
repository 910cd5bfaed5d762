"""Which Docker image an instance runs in.

In order:

1. a local mapping (setting ``swe.images``): a JSON file ``{"instance_id": "image:tag"}`` or a text
   file of ``instance_id image:tag`` lines — for images loaded with ``docker load`` or built locally
   under names of your own;
2. the image the instance names (``image`` / ``image_name`` / ``docker_image``: SWE-smith rows and
   datasets made for swebench >= 5 carry one);
3. SWE-bench's naming convention (as swebench's ``ImageSpec.name`` derives it):
   ``<namespace>/sweb.eval.<arch>.<instance_id>:latest`` lower-cased, with ``__`` written
   ``_1776_`` (registries refuse double underscores); namespace ``swebench`` by default (setting
   ``swe.namespace``; SWE-Gym's images live under another namespace; an empty namespace gives the
   name swebench uses for images it builds locally, ``sweb.eval.x86_64.<instance_id>:latest``).

Example:
    >>> swebench_image_name("django__django-11099")
    'swebench/sweb.eval.x86_64.django_1776_django-11099:latest'
    >>> swebench_image_name("django__django-11099", namespace="")
    'sweb.eval.x86_64.django__django-11099:latest'
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

DEFAULT_NAMESPACE = "swebench"
DEFAULT_ARCH = "x86_64"


def swebench_image_name(
    instance_id: str, namespace: str = DEFAULT_NAMESPACE, arch: str = DEFAULT_ARCH, tag: str = "latest"
) -> str:
    key = f"sweb.eval.{arch}.{instance_id}:{tag}"
    if namespace:
        key = f"{namespace}/{key}".replace("__", "_1776_")
    return key.lower()


@lru_cache(maxsize=16)
def _read_mapping(path: str, mtime: float) -> dict[str, str]:
    text = Path(path).read_text(encoding="utf-8")
    if path.endswith(".json"):
        data = json.loads(text)
        if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
            raise ValueError(f"{path}: must be a JSON object of instance_id → image")
        return dict(data)
    mapping = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2:
            raise ValueError(f"{path} line {n}: expected `instance_id image:tag`, got {line[:80]!r}")
        mapping[parts[0]] = parts[1]
    return mapping


def local_mapping(path: str | None) -> dict[str, str]:
    """The ``swe.images`` file as a dict (re-read when the file changes)."""
    if not path:
        return {}
    p = Path(path).expanduser()
    return _read_mapping(str(p), p.stat().st_mtime)


def resolve_image(
    instance_id: str,
    named: str | None,
    *,
    mapping: dict[str, str] | None = None,
    namespace: str = DEFAULT_NAMESPACE,
    arch: str = DEFAULT_ARCH,
) -> str:
    """The image reference for one instance (see the module docstring for the order)."""
    if mapping and instance_id in mapping:
        return mapping[instance_id]
    if named:
        return named
    return swebench_image_name(instance_id, namespace=namespace, arch=arch)
