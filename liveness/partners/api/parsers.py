"""Request parsers of the partner API."""
from __future__ import annotations

import codecs
import math

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json


def _finite_float(text: str) -> float:
    """``parse_float`` for json: a number literal too large for a double (``1e999999``) would become
    ``inf``, which no field of the API means (and a string field would store as ``"inf"``): refuse it
    like the ``NaN``/``Infinity`` constants DRF's strict mode already refuses."""
    value = float(text)
    if not math.isfinite(value):
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise ValueError(f"Out of range float values are not JSON compliant: {shown!r}")
    return value


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, plus:

    * a body nested deeper than Python's recursion limit (``[[[[...]]]]``, a few hundred kilobytes) is a
      400 ``malformed_request`` like any other bad JSON, not a RecursionError (500);
    * a number that is not finite anywhere in the body, ``NaN``/``Infinity`` (DRF's strict mode) or a
      literal that overflows a double (``1e999999``, else silently ``inf``), is a 400 ``malformed_request``.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            decoded_stream = codecs.getreader(encoding)(stream)
            return json.load(decoded_stream, parse_constant=json.strict_constant, parse_float=_finite_float)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
