"""Machine-readable JSON report, validated against ``udcodec/schemas/report.schema.json``."""

from __future__ import annotations

import json
import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from udcodec.reports.atomic import write_atomic
from udcodec.reports.model import RunRecord
from udcodec.reports.upgrade import upgrade

SCHEMA_FILE = "report.schema.json"


class ReportValidationError(ValueError):
    """A report does not match the JSON schema; ``errors`` lists ``(json path, problem)``."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        lines = [f"  {path}: {problem}" for path, problem in errors[:20]]
        more = f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(
            f"report does not match {SCHEMA_FILE} "
            f"({len(errors)} problem(s)):\n" + "\n".join(lines) + more
        )


@cache
def load_named_schema(name: str) -> dict[str, Any]:
    """A JSON schema shipped in ``udcodec/schemas/`` (e.g. ``certificate.schema.json``)."""
    text = (resources.files("udcodec") / "schemas" / name).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def load_schema() -> dict[str, Any]:
    """The report JSON schema shipped with the package."""
    return load_named_schema(SCHEMA_FILE)


def _json_path(parts: Any) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def schema_errors(data: Any, schema: dict[str, Any]) -> list[tuple[str, str]]:
    """Every ``(json path, problem)`` where ``data`` breaks ``schema`` (formats checked)."""
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    return [(_json_path(e.absolute_path), e.message) for e in errors]


def validate_report(data: Any) -> None:
    """Raise :class:`ReportValidationError` naming every place ``data`` breaks the schema."""
    errors = schema_errors(data, load_schema())
    if errors:
        raise ReportValidationError(errors)


def dumps_json(record: RunRecord, *, validate: bool = True) -> str:
    """The report as a JSON string (validated first unless ``validate`` is false)."""
    data = record.to_json()
    if validate:
        validate_report(data)
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_json(record: RunRecord, path: str | os.PathLike[str], *, validate: bool = True) -> Path:
    """Write the JSON report to ``path`` atomically (parents created); return the path."""
    return write_atomic(path, dumps_json(record, validate=validate))


def read_json(path: str | os.PathLike[str]) -> RunRecord:
    """Load and validate a JSON report written by :func:`write_json` (an older layout is upgraded first)."""
    data = upgrade(json.loads(Path(path).read_text(encoding="utf-8")))
    validate_report(data)
    return RunRecord.from_json(data)
