"""A minimal template engine for plain-text and HTML e-mails and pages."""

from minitpl.engine import Template, render
from minitpl.errors import TemplateError, TemplateNotFound, TemplateSyntaxError, UndefinedError
from minitpl.loader import Loader

__all__ = ["Loader", "Template", "TemplateError", "TemplateNotFound", "TemplateSyntaxError", "UndefinedError", "render"]
