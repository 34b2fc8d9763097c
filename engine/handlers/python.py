"""The `python` handler: calls a Python function named by the model, if the installation allows it.

A model names the function (`package.module:function` or `package.module.function`), but only an
operator decides which functions may run: the setting BPM_PYTHON_HANDLERS lists exact dotted
paths and `package.module.*` prefixes, and is empty by default. The allowlist is checked before
anything is imported, at deployment and again at every execution (the setting may have changed
since the model was deployed), because importing a module already runs its code.
"""

from __future__ import annotations

import importlib
import json
import re
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.handlers.base import FieldValue, HandlerError, JobContext
from engine.handlers.fields import single_value, unknown_field_problems

FUNCTION_FIELD = "function"
ALLOWLIST_SETTING = "BPM_PYTHON_HANDLERS"

_DOTTED = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*"
_FUNCTION_PATH = re.compile(rf"(?P<module>{_DOTTED})(?::(?P<attribute>{_DOTTED}))?")


@dataclass(frozen=True, slots=True)
class FunctionPath:
    module: str
    #: The attribute path inside the module, e.g. `notify` or `Billing.charge`.
    attribute: str

    @property
    def dotted(self) -> str:
        """`package.module.function`: the form the allowlist is written in."""
        return f"{self.module}.{self.attribute}"

    def __str__(self) -> str:
        return f"{self.module}:{self.attribute}"


def parse_function_path(text: str) -> FunctionPath:
    """`pkg.mod:func` or `pkg.mod.func` (the last part is the function); raises ValueError."""
    match = _FUNCTION_PATH.fullmatch(text.strip())
    if match is None:
        raise ValueError(
            f"'{text}' is not a function path; write it as package.module:function or package.module.function"
        )
    module, attribute = match["module"], match["attribute"]
    if attribute is None:
        module, _, attribute = module.rpartition(".")
        if not module:
            raise ValueError(f"'{text}' names no module; write it as package.module:function")
    return FunctionPath(module, attribute)


def allowlist() -> tuple[str, ...]:
    """The setting BPM_PYTHON_HANDLERS (nothing is allowed outside a configured project)."""
    from django.conf import settings

    if not settings.configured:
        return ()
    entries = getattr(settings, ALLOWLIST_SETTING, ())
    if isinstance(entries, str):  # a single path given as a string rather than a list
        entries = [entries]
    return tuple(entry.strip() for entry in entries if entry.strip())


def is_allowed(path: FunctionPath, entries: Sequence[str]) -> bool:
    """Exact dotted paths (either spelling) match themselves; `package.module.*` matches the
    public names of that module and its submodules. (Loading then also requires the function
    to be defined in its module, so an attribute path cannot walk into what a module imports.)"""
    for entry in entries:
        if entry.endswith(".*"):
            prefix = entry[:-2]
            inside = path.module == prefix or path.module.startswith(prefix + ".")
            public = not any(part.startswith("_") for part in path.attribute.split("."))
            if inside and public:
                return True
            continue
        try:
            if parse_function_path(entry).dotted == path.dotted:
                return True
        except ValueError:
            continue  # a malformed entry allows nothing
    return False


class PythonHandler:
    type = "python"

    def validate(self, fields: Mapping[str, FieldValue]) -> list[str]:
        path, problems = _read_path(fields)
        if path is not None:
            try:
                _load(path)
            except HandlerError as error:
                problems.append(error.message)
        return problems

    def execute(self, context: JobContext) -> dict[str, Any]:
        path, problems = _read_path(context.fields)
        if path is None:
            raise HandlerError(f"service task '{context.node_id}' is misconfigured: " + "; ".join(problems))
        function = _load(path)
        try:
            result = function(context)
        except HandlerError:
            raise  # the function failed the job on purpose, with its own message
        except (Exception, SystemExit) as error:  # whatever it raises (even sys.exit) becomes the incident
            raise HandlerError(
                f"{path} raised {type(error).__name__}: {error}", details=traceback.format_exc()
            ) from None
        return _check_result(path, result)


def _read_path(fields: Mapping[str, FieldValue]) -> tuple[FunctionPath | None, list[str]]:
    problems = unknown_field_problems(fields, known=(FUNCTION_FIELD,))
    try:
        raw = single_value(fields, FUNCTION_FIELD)
    except ValueError as error:
        return None, [*problems, str(error)]
    if raw is None:
        return None, [*problems, "field 'function' is required: package.module:function"]
    try:
        path = parse_function_path(raw)
    except ValueError as error:
        return None, [*problems, f"field 'function': {error}"]
    if not is_allowed(path, allowlist()):
        problems.append(
            f"function '{path}' is not allowed: add '{path.dotted}' (or '{path.module}.*') "
            f"to the setting {ALLOWLIST_SETTING}"
        )
    return (None if problems else path), problems


def _load(path: FunctionPath) -> Callable[[JobContext], Any]:
    """Import the (already allowed) function's module and look the function up."""
    try:
        target: Any = importlib.import_module(path.module)
    except ImportError as error:
        raise HandlerError(f"function '{path}': module '{path.module}' cannot be imported: {error}") from None
    except Exception as error:  # the module itself is broken: say so rather than crash the deployment
        raise HandlerError(
            f"function '{path}': importing module '{path.module}' failed: {type(error).__name__}: {error}",
            details=traceback.format_exc(),
        ) from None
    for part in path.attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise HandlerError(
                f"function '{path}': module '{path.module}' has no '{path.attribute}'"
            ) from None
    if not callable(target):
        raise HandlerError(f"function '{path}' is not callable")
    if getattr(target, "__module__", None) != path.module:
        # Something the module merely imported (os.system, importlib.import_module...) is not
        # one of the functions its authors offer to processes.
        raise HandlerError(
            f"function '{path}' is not defined in module '{path.module}' (it is imported there)"
        )
    return target


def _check_result(path: FunctionPath, result: Any) -> dict[str, Any]:
    if not isinstance(result, dict):
        raise HandlerError(
            f"{path} returned {type(result).__name__}, not a dict of variables (return {{}} to set none)"
        )
    bad = [repr(name) for name in result if not isinstance(name, str) or not name]
    if bad:
        raise HandlerError(f"{path} returned variable names that are not non-empty strings: {', '.join(bad)}")
    try:
        json.dumps(result, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise HandlerError(f"{path} returned variables that are not JSON values: {error}") from None
    return result
