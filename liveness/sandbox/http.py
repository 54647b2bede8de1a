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


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> SandboxResponse:
    return SandboxResponse(
        status=status,
        body=json.dumps(data, ensure_ascii=False).encode("utf-8"),
        headers=headers or {},
    )
