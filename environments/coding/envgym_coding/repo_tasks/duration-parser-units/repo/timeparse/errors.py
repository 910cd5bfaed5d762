"""The one exception the package raises for bad input."""


class DurationError(ValueError):
    """The text is not a duration (or the number cannot be written as one)."""
