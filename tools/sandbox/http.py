"""The sandbox's tiny HTTP vocabulary, shared by every vendor emulator.

The sandbox is a plain threaded WSGI server (no Django request cycle), so each
vendor module is a set of pure functions ``handle(request) -> SandboxResponse``
that can also be unit-tested without a socket.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SandboxRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    query: dict[str, str] = field(default_factory=dict)
    raw_query: str = ""  # the query string as sent (Tencent's TC3 signs a GET's query verbatim)

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class SandboxResponse:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def is_ascii_digits(value: str) -> bool:
    """A challenge's digits: only 0-9 (``str.isdigit`` also accepts "١٢٣٤" and "²³⁴⁵")."""
    return bool(value) and value.isascii() and value.isdigit()


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> SandboxResponse:
    return SandboxResponse(
        status=status,
        body=json.dumps(data, ensure_ascii=False).encode("utf-8"),
        headers=headers or {},
    )


def _header_params(value: str) -> tuple[str, dict[str, str]]:
    """Split ``form-data; name="x"; filename="y"`` into ("form-data", {...}).

    Tolerates the quirks seen in vendor examples: trailing ``;``, unquoted values,
    quoted strings containing ``;``.
    """
    parts: list[str] = []
    current, quoted = [], False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    main = parts[0].strip().lower()
    params: dict[str, str] = {}
    for item in parts[1:]:
        if "=" not in item:
            continue
        key, _, val = item.partition("=")
        val = val.strip()
        if len(val) >= 2 and val[0] == val[-1] == '"':
            val = val[1:-1].replace('\\"', '"')
        params[key.strip().lower()] = val
    return main, params


class MultipartError(ValueError):
    """The body is not a well-formed multipart/form-data document."""


def parse_multipart(request: SandboxRequest) -> tuple[dict[str, str], dict[str, bytes]]:
    """Parse a multipart/form-data body into ``(fields, files)``.

    Clients disagree about which parts are "files" (``requests`` gives every ``files=``
    entry a filename, even plain strings like ``appid``; others send images without
    one), so the split is by how the emulator wants to READ a part, not by how it was
    sent: ``fields`` holds every part decoded as UTF-8 with ``surrogateescape``
    (lossless) and ``files`` holds every part's raw bytes. Read text parameters with
    ``fields.get`` and binary content with ``files.get``. When a name repeats, the
    first part wins.

    Raises :class:`MultipartError` when the content type has no boundary or no part
    can be found.
    """
    ctype, params = _header_params(request.header("content-type"))
    if ctype != "multipart/form-data":
        raise MultipartError(f"content type is {ctype or 'missing'}, not multipart/form-data")
    boundary = params.get("boundary", "")
    if not boundary:
        raise MultipartError("multipart/form-data without a boundary")
    delimiter = b"--" + boundary.encode("latin-1")
    body = request.body
    start = body.find(delimiter)
    if start < 0:
        raise MultipartError("boundary not found in body")
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    chunks = body[start + len(delimiter):].split(delimiter)
    found = False
    for chunk in chunks:
        if chunk.startswith(b"--"):
            break  # closing delimiter
        # the CRLF after the delimiter line, and the CRLF before the next delimiter
        if chunk.startswith(b"\r\n"):
            chunk = chunk[2:]
        elif chunk.startswith(b"\n"):
            chunk = chunk[1:]
        if chunk.endswith(b"\r\n"):
            chunk = chunk[:-2]
        elif chunk.endswith(b"\n"):
            chunk = chunk[:-1]
        sep = chunk.find(b"\r\n\r\n")
        sep_len = 4
        if sep < 0:
            sep, sep_len = chunk.find(b"\n\n"), 2
        if sep < 0:
            head, content = chunk, b""
        else:
            head, content = chunk[:sep], chunk[sep + sep_len:]
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").splitlines():
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        disposition, dparams = _header_params(headers.get("content-disposition", ""))
        name = dparams.get("name")
        if disposition != "form-data" or name is None:
            continue
        found = True
        fields.setdefault(name, content.decode("utf-8", "surrogateescape"))
        files.setdefault(name, content)
    if not found:
        raise MultipartError("no form-data part found")
    return fields, files


def json_object(body: bytes) -> dict | None:
    """The body as a JSON object, or None when it is not one (the call log reads codes from it)."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
