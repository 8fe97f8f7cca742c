"""What every form page needs to tell people which answer to fix (GOV.UK's error pattern):
an error summary whose items link to the fields, and fields marked invalid and described by
their hint and their message, for eyes and for screen readers alike."""


def field_aria(field, *hints):
    """Return the ARIA attributes of a field: invalid when it has errors, described by the
    ids of its hints and, when it has errors, of its message (rendered by the `errors` macro
    as `<id>-error`)."""
    described = [*hints, f"{field.id}-error"] if field.errors else list(hints)
    attributes = {"aria-invalid": "true" if field.errors else "false"}
    if described:
        attributes["aria-describedby"] = " ".join(described)
    return attributes


def error_target(field):
    """Return the id an error summary links to: the field, or a radio group's first option."""
    return f"{field.id}-0" if field.type == "RadioField" else field.id


def fields_in_error(form):
    """Return the fields with errors, in the form's order (hidden fields have none to show)."""
    return [field for field in form if field.errors and field.type not in (
        "HiddenField", "CSRFTokenField")]
