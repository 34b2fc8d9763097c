"""Never allowed in the python handler tests: importing it at all would be a failure.

The tests check that this module never appears in sys.modules, because importing a module
already runs its code, allowlisted or not.
"""

from __future__ import annotations

from typing import Any


def steal(context: object) -> dict[str, Any]:
    return {"stolen": True}
