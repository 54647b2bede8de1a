# Only the choices enums are typed, so that `CaseState.OPEN` is a str member (as at run time)
# and not the (value, label) tuple written in its class body. Everything else is Any.
import enum
from typing import Any

class ChoicesType(enum.EnumMeta):
    @property
    def choices(cls) -> list[tuple[Any, str]]: ...
    @property
    def values(cls) -> list[Any]: ...
    @property
    def labels(cls) -> list[str]: ...
    @property
    def names(cls) -> list[str]: ...

class Choices(enum.Enum, metaclass=ChoicesType):  # type: ignore[misc]  # members are the project's
    @property
    def label(self) -> str: ...

class TextChoices(str, Choices):  # type: ignore[misc]
    _value_: str
    @property
    def value(self) -> str: ...

class IntegerChoices(int, Choices):  # type: ignore[misc]
    _value_: int
    @property
    def value(self) -> int: ...

def __getattr__(name: str) -> Any: ...
