"""Templates stored as files under one directory, compiled once and recompiled when the file changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from minitpl.engine import Template
from minitpl.errors import TemplateNotFound, TemplateSyntaxError


class Loader:
    def __init__(self, root: str | Path, autoescape: bool = True, encoding: str = "utf-8") -> None:
        self.root = Path(root).resolve()
        self.autoescape = autoescape
        self.encoding = encoding
        self._cache: dict[str, tuple[int, Template]] = {}

    def _path(self, name: str) -> Path:
        path = (self.root / name).resolve()
        # Template names may come from configuration or URLs: never read outside the template directory.
        if not path.is_relative_to(self.root) or not path.is_file():
            raise TemplateNotFound(name)
        return path

    def get(self, name: str) -> Template:
        path = self._path(name)
        mtime = path.stat().st_mtime_ns
        cached = self._cache.get(name)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        try:
            template = Template(path.read_text(encoding=self.encoding), self.autoescape, name)
        except TemplateSyntaxError as exc:
            raise TemplateSyntaxError(f"{name}: {exc}") from exc
        self._cache[name] = (mtime, template)
        return template

    def render(self, name: str, context: Mapping[str, Any] | None = None) -> str:
        return self.get(name).render(context)

    def names(self) -> list[str]:
        """Every template under the root, as the names ``get`` accepts."""
        return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*") if p.is_file())
