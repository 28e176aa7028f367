"""Report formats for a conformance run: JSON, JUnit XML, Markdown, HTML and a terminal matrix.

Every format renders a :class:`RunRecord`; one module per format.
"""

from __future__ import annotations

from udcodec.reports.html import render_html, write_html
from udcodec.reports.json_report import (
    ReportValidationError,
    load_schema,
    read_json,
    validate_report,
    write_json,
)
from udcodec.reports.junit import render_junit, write_junit
from udcodec.reports.markdown import render_markdown, write_markdown
from udcodec.reports.model import (
    SCHEMA_VERSION,
    AdapterRun,
    ClauseInfo,
    RunRecord,
    StaleExpectation,
    jsonable,
)
from udcodec.reports.terminal import render_failures, render_matrix

__all__ = [
    "SCHEMA_VERSION",
    "AdapterRun",
    "ClauseInfo",
    "ReportValidationError",
    "RunRecord",
    "StaleExpectation",
    "jsonable",
    "load_schema",
    "read_json",
    "render_failures",
    "render_html",
    "render_junit",
    "render_markdown",
    "render_matrix",
    "validate_report",
    "write_html",
    "write_json",
    "write_junit",
    "write_markdown",
]
