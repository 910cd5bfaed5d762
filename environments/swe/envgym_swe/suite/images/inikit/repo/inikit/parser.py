"""The INI parser and the Config it returns."""

import re

SECTION_RE = re.compile(r"^\[([^\]]+)\]$")
REF_RE = re.compile(r"\$\{([^}:]+):([^}]+)\}")
TRUE = ("1", "yes", "true")
FALSE = ("0", "no", "false")
_MISSING = object()


class ParseError(ValueError):
    def __init__(self, line_no, message):
        super().__init__("line %d: %s" % (line_no, message))
        self.line_no = line_no


class Config:
    def __init__(self):
        self._data = {}

    def sections(self):
        return list(self._data)

    def has(self, section, key=None):
        sec = self._section(section)
        if sec is None:
            return False
        return key is None or key in sec

    def _section(self, name):
        return self._data.get(name)

    def get(self, section, key, default=_MISSING):
        sec = self._section(section)
        if sec is None or key not in sec:
            if default is _MISSING:
                raise KeyError("%s.%s" % (section, key))
            return default
        return self._interpolate(sec[key], depth=0)

    def _interpolate(self, value, depth):
        if depth > 10:
            raise ValueError("interpolation too deep in %r" % (value,))

        def repl(match):
            return self._interpolate(self.get(match.group(1), match.group(2)), depth + 1)

        return REF_RE.sub(repl, value)

    def getint(self, section, key, default=_MISSING):
        value = self.get(section, key, default)
        return value if value is default else int(value)

    def getbool(self, section, key, default=_MISSING):
        value = self.get(section, key, default)
        if value is default:
            return value
        low = value.strip().lower()
        if low in TRUE:
            return True
        if low in FALSE:
            return False
        raise ValueError("%s.%s: not a boolean: %r" % (section, key, value))

    def getlist(self, section, key, default=_MISSING, sep=","):
        value = self.get(section, key, default)
        if value is default:
            return value
        return [item.strip() for item in value.split(sep) if item.strip()]

    def as_dict(self):
        return {name: {k: self.get(name, k) for k in sec} for name, sec in self._data.items()}


def parse(text):
    """Parse INI text into a Config. Lines starting with ';' or '#' are comments."""
    cfg = Config()
    current = None
    for line_no, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in ";#":
            continue
        m = SECTION_RE.match(line)
        if m:
            current = m.group(1).strip()
            cfg._data.setdefault(current, {})
            continue
        if current is None:
            raise ParseError(line_no, "key outside of any section")
        key, sep, value = line.partition("=")
        if not sep:
            raise ParseError(line_no, "expected key = value")
        key = key.strip()
        if not key:
            raise ParseError(line_no, "empty key")
        cfg._data[current][key] = value.strip()
    return cfg
