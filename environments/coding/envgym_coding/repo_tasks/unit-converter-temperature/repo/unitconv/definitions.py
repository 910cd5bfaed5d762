"""The units unitconv knows. Factors are exact where the unit is defined exactly (inch, pound, gallon)."""

from __future__ import annotations

from unitconv.registry import define

# Length: the base unit is the metre.
define("mm", "length", 0.001, "millimeter", "millimeters", "millimetre")
define("cm", "length", 0.01, "centimeter", "centimeters", "centimetre")
define("m", "length", 1.0, "meter", "meters", "metre", "metres")
define("km", "length", 1000.0, "kilometer", "kilometers", "kilometre")
define("in", "length", 0.0254, "inch", "inches")
define("ft", "length", 0.3048, "foot", "feet")
define("yd", "length", 0.9144, "yard", "yards")
define("mi", "length", 1609.344, "mile", "miles")
define("nmi", "length", 1852.0, "nautical mile", "nautical miles")

# Mass: the base unit is the kilogram.
define("mg", "mass", 1e-6, "milligram", "milligrams")
define("g", "mass", 0.001, "gram", "grams")
define("kg", "mass", 1.0, "kilogram", "kilograms")
define("t", "mass", 1000.0, "tonne", "tonnes")
define("oz", "mass", 0.028349523125, "ounce", "ounces")
define("lb", "mass", 0.45359237, "pound", "pounds")
define("st", "mass", 6.35029318, "stone", "stones")

# Time: the base unit is the second.
define("ms", "time", 0.001, "millisecond", "milliseconds")
define("s", "time", 1.0, "second", "seconds")
define("min", "time", 60.0, "minute", "minutes")
define("h", "time", 3600.0, "hour", "hours")
define("d", "time", 86400.0, "day", "days")
define("wk", "time", 604800.0, "week", "weeks")

# Volume: the base unit is the litre; the gallon is the US liquid gallon.
define("ml", "volume", 0.001, "milliliter", "milliliters", "millilitre")
define("l", "volume", 1.0, "liter", "liters", "litre", "litres")
define("m3", "volume", 1000.0, "cubic meter", "cubic meters")
define("cup", "volume", 0.2365882365, "cups")
define("gal", "volume", 3.785411784, "gallon", "gallons")

# Speed: the base unit is the metre per second.
define("m/s", "speed", 1.0, "meters per second")
define("km/h", "speed", 1000 / 3600, "kph", "kilometers per hour")
define("mph", "speed", 1609.344 / 3600, "miles per hour")
define("kn", "speed", 1852 / 3600, "knot", "knots")

# Digital storage: the base unit is the byte; k/M/G are powers of 1000, Ki/Mi/Gi powers of 1024.
define("B", "data", 1.0, "byte", "bytes")
define("kB", "data", 1e3, "kilobyte", "kilobytes")
define("MB", "data", 1e6, "megabyte", "megabytes")
define("GB", "data", 1e9, "gigabyte", "gigabytes")
define("KiB", "data", 1024.0, "kibibyte", "kibibytes")
define("MiB", "data", 1024.0 ** 2, "mebibyte", "mebibytes")
define("GiB", "data", 1024.0 ** 3, "gibibyte", "gibibytes")
