"""Which handler runs a service task of a given `bpm:type`.

Built-in handlers (`cli`, `http`, `noop`, `python`) are always there. Other packages add
handlers by declaring an entry point in the group `bpmportal.handlers`, named after the handler
type and pointing at a handler class (instantiated without arguments) or instance; see
docs/handlers.md.

A plugin that fails to load must not take the engine down with it: the failure is logged once
and kept, so deploying a model that uses that type explains what is wrong with the plugin
instead of just saying the type is unknown.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from types import MappingProxyType

from engine.handlers.base import Handler
from engine.handlers.cli import CliHandler
from engine.handlers.http import HttpHandler
from engine.handlers.noop import NoopHandler
from engine.handlers.python import PythonHandler

ENTRY_POINT_GROUP = "bpmportal.handlers"

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HandlerCatalog:
    handlers: Mapping[str, Handler]
    #: Handler type -> why the plugin declaring it cannot be used.
    problems: Mapping[str, str]


def builtin_handlers() -> dict[str, Handler]:
    return {
        handler.type: handler for handler in (CliHandler(), HttpHandler(), NoopHandler(), PythonHandler())
    }


def discover(plugins: Iterable[EntryPoint]) -> HandlerCatalog:
    """The built-in handlers plus every plugin that loads and looks like a handler."""
    handlers = builtin_handlers()
    problems: dict[str, str] = {}
    origins: dict[str, str] = {}
    for plugin in plugins:
        origin = _origin(plugin)
        if plugin.name in handlers and plugin.name not in origins:
            problems[plugin.name] = f"plugin {origin} cannot replace the built-in '{plugin.name}' handler"
            continue
        if plugin.name in origins:
            problems[plugin.name] = (
                f"two plugins declare the handler type '{plugin.name}': {origins[plugin.name]} and {origin}"
            )
            handlers.pop(plugin.name, None)
            continue
        origins[plugin.name] = origin
        try:
            handlers[plugin.name] = _load(plugin)
        except Exception as error:  # a plugin's bug, whatever it is, must not stop the engine
            problems[plugin.name] = f"plugin {origin} failed to load: {type(error).__name__}: {error}"
    for name, problem in problems.items():
        logger.error("Service task handler plugin '%s' is not used: %s", name, problem)
    return HandlerCatalog(MappingProxyType(handlers), MappingProxyType(problems))


@functools.cache
def catalog() -> HandlerCatalog:
    """The installed handlers, discovered once per process."""
    return discover(entry_points(group=ENTRY_POINT_GROUP))


def reload_handlers() -> None:
    """Forget the discovered handlers, e.g. after installing a plugin into a running process."""
    catalog.cache_clear()


def get_handler(handler_type: str) -> Handler | None:
    return catalog().handlers.get(handler_type)


def handler_types() -> list[str]:
    return sorted(catalog().handlers)


def unavailable_reason(handler_type: str) -> str:
    """Why no handler runs `handler_type`, worded for a deployment problem."""
    problem = catalog().problems.get(handler_type)
    if problem is not None:
        return f"handler type '{handler_type}' is unavailable: {problem}"
    return f"unknown handler type '{handler_type}' (installed: {', '.join(handler_types())})"


def _load(plugin: EntryPoint) -> Handler:
    loaded = plugin.load()
    handler = loaded() if isinstance(loaded, type) else loaded
    missing = [name for name in ("validate", "execute") if not callable(getattr(handler, name, None))]
    if missing:
        methods = " or ".join(f"{name}()" for name in missing)
        raise TypeError(f"{plugin.value} is not a handler: it has no {methods} method")
    declared = getattr(handler, "type", None)
    if declared != plugin.name:
        raise TypeError(
            f"{plugin.value} declares type {declared!r} but its entry point is named '{plugin.name}'"
        )
    return handler


def _origin(plugin: EntryPoint) -> str:
    distribution = plugin.dist.name if plugin.dist is not None else "unknown distribution"
    return f"'{plugin.value}' (from {distribution})"
