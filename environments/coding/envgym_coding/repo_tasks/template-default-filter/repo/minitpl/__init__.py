from minitpl.engine import TemplateError, render

__all__ = ["TemplateError", "render"]
