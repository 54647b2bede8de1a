# Django ships no type information; everything not declared here is Any (see typings/README.md).
from typing import Any

def __getattr__(name: str) -> Any: ...
