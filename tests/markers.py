"""What a test needs outside Python, decided at collection time from what the test asks for.

``tests/conftest.py``'s ``pytest_collection_modifyitems`` puts these markers on every test, so
``pytest -m unit`` (``bash scripts/test --unit``) runs the fast subset with no PostgreSQL, no
Chromium and no espeak-ng, and ``-m "not browser"`` and the like work everywhere:

* ``db``: the test uses a database: a ``django_db`` mark (on the test, its class or module), or a
  database fixture anywhere in its fixture closure (``db``, ``transactional_db``, ``live_server``...).
* ``worker``: a real Celery worker process: the ``celery_worker`` fixture (the mark itself may also
  be written by hand, as before).
* ``browser``: headless Chromium through Playwright: the test or one of its fixtures reaches
  ``sync_playwright``.
* ``speech``: speech synthesised by espeak-ng: the test or one of its fixtures reaches
  ``tests.mediagen.speech_wav`` (``digit_video`` calls it), directly or through helpers, or uses
  the name of a mediagen function that does (``media.digit_video`` on a fixture's module).
* ``unit``: none of the above.

"Reaches" is found by reading code, not by running it: the names a function's bytecode uses
(its own, its lambdas' and inner functions') are looked up in its module, and in any ``tests.*``
module it imports, and functions defined under ``tests/`` are followed the same way. So a helper
``_video()`` that calls ``mediagen.digit_video`` makes every test that calls ``_video()`` a speech
test. A call through something the reader cannot resolve (a value passed in at run time) is not
followed: such a test would fail in a unit run, not pass silently, because the tool is absent.
"""
from __future__ import annotations

import types
from collections.abc import Iterator
from functools import cache

import pytest

#: Fixtures that give a test a database (pytest-django's, plus ``live_server`` whose pages do).
DB_FIXTURES = frozenset({"db", "transactional_db", "django_db_reset_sequences",
                         "django_db_serialized_rollback", "live_server", "django_db_setup"})
WORKER_FIXTURES = frozenset({"celery_worker"})
#: Bytecode names that mean the code starts a browser.
BROWSER_NAMES = frozenset({"sync_playwright", "async_playwright"})

ENVIRONMENT_MARKERS = ("db", "worker", "browser", "speech")


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    """``code`` and every code object nested in it (lambdas, inner functions, comprehensions)."""
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def _own_function(value: object) -> types.FunctionType | None:
    """The plain function behind ``value`` if it is one written under tests/ (fixtures unwrapped)."""
    func = getattr(value, "__wrapped__", value)
    func = getattr(func, "__func__", func)  # staticmethod / bound method
    if isinstance(func, types.FunctionType) and (func.__module__ or "").split(".")[0] == "tests":
        return func
    return None


@cache
def _names_reached(func: types.FunctionType) -> frozenset[str]:
    """Every bytecode name used by ``func`` and by the tests/ functions it refers to, transitively."""
    seen: set[types.FunctionType] = set()
    names: set[str] = set()
    stack = [func]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        used = {name for code in _code_objects(current.__code__) for name in code.co_names}
        names |= used
        scope = current.__globals__
        test_modules = [value for value in scope.values()
                        if isinstance(value, types.ModuleType) and value.__name__.split(".")[0] == "tests"]
        for name in used:
            candidates = [scope.get(name)] + [getattr(module, name, None) for module in test_modules]
            for candidate in candidates:
                target = _own_function(candidate)
                if target is not None and target not in seen:
                    stack.append(target)
    return frozenset(names)


@cache
def _speech_names() -> frozenset[str]:
    """``speech_wav`` and the names of the tests.mediagen functions that reach it (``digit_video``...).

    Matched as bare names as well, because some tests get the module from a fixture
    (``media.digit_video(...)``), which reading code cannot resolve to the function."""
    from tests import mediagen

    names = {"speech_wav"}
    for name, value in vars(mediagen).items():
        function = _own_function(value)
        if function is not None and function.__module__ == mediagen.__name__ and "speech_wav" in _names_reached(function):
            names.add(name)
    return frozenset(names)


def _functions_of(item: pytest.Item) -> Iterator[types.FunctionType]:
    """The test function and every fixture function in its closure that is written under tests/."""
    test_function = _own_function(getattr(item, "obj", None))
    if test_function is not None:
        yield test_function
    info = getattr(item, "_fixtureinfo", None)
    for definitions in (info.name2fixturedefs.values() if info is not None else ()):
        for definition in definitions:
            fixture_function = _own_function(getattr(definition, "func", None))
            if fixture_function is not None:
                yield fixture_function


def environment_needs(item: pytest.Item) -> set[str]:
    """The subset of ENVIRONMENT_MARKERS that ``item`` needs (empty: a unit test)."""
    fixtures = set(getattr(item, "fixturenames", ()))
    needs: set[str] = set()
    if item.get_closest_marker("django_db") is not None or fixtures & DB_FIXTURES:
        needs.add("db")
    if item.get_closest_marker("worker") is not None or fixtures & WORKER_FIXTURES:
        needs.add("worker")
    reached: set[str] = set()
    for function in _functions_of(item):
        reached |= _names_reached(function)
    if reached & BROWSER_NAMES:
        needs.add("browser")
    if reached & _speech_names():
        needs.add("speech")
    return needs


def apply(items: list[pytest.Item]) -> None:
    """Mark every item with what it needs, or ``unit`` when it needs none of it."""
    for item in items:
        needs = environment_needs(item)
        for name in sorted(needs) or ["unit"]:
            if item.get_closest_marker(name) is None:
                item.add_marker(name)
