"""What the engine raises. Everything derives from TemplateError, so callers can catch one class."""

from __future__ import annotations


class TemplateError(Exception):
    """A template could not be compiled or rendered."""


class TemplateSyntaxError(TemplateError):
    """The template text is malformed; ``line`` (1-based) says where, when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


class UndefinedError(TemplateError):
    """A placeholder names a variable that the context does not have."""


class TemplateNotFound(TemplateError):
    """The loader has no template of that name."""
