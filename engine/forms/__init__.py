"""User task forms: the fields a person fills in, and checking what they submitted.

Pure Python (no Django, no I/O), so the same definitions drive the parser's deploy-time
checks, the server's validation and the browser's constraint attributes. A task stores its
form as JSON (engine.store.effects.form_field_json); `parse_form` turns that into `FormSpec`,
`validate_submission` checks a submission against it. See docs/tasklist.md.
"""

from engine.forms.fields import (
    CONSTRAINT_NAMES,
    FIELD_TYPES,
    FieldSpec,
    FormDefinitionError,
    FormSpec,
    field_problems,
    parse_form,
)
from engine.forms.initial import initial_values
from engine.forms.submission import FormErrors, html_submission, validate_submission

__all__ = [
    "CONSTRAINT_NAMES",
    "FIELD_TYPES",
    "FieldSpec",
    "FormDefinitionError",
    "FormErrors",
    "FormSpec",
    "field_problems",
    "html_submission",
    "initial_values",
    "parse_form",
    "validate_submission",
]
