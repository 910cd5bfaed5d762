from shorty.codec import decode, encode
from shorty.service import Shortener, UnknownLink

__all__ = ["Shortener", "UnknownLink", "decode", "encode"]
