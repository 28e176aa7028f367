"""A self-contained HTML report: the clause × implementation grid, a drill-down per cell, byte identity.

One file with inline CSS and JavaScript and nothing fetched over the network. Every text from the
record is escaped, and lone surrogates and control characters are shown as escapes, so a message
holding markup renders as text. The grid is static HTML; the script only shows a cell's details
(rendered beside the grid, hidden) and copies a reproduction to the clipboard.
"""

from __future__ import annotations

import html
import json
import os
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from udcodec.outcomes import CheckResult, Outcome
from udcodec.reports.atomic import write_atomic
from udcodec.reports.examples import budget_line, example_rows
from udcodec.reports.identity import IdentityRow, identity_rows
from udcodec.reports.layers import Attribution, Side, attribute
from udcodec.reports.markdown import NOT_RUN, SYMBOLS
from udcodec.reports.model import OUTCOME_ORDER, AdapterRun, ClauseInfo, RunRecord, jsonable

#: Background colour of a grid cell per outcome.
COLOURS: dict[Outcome, str] = {
    Outcome.PASS: "#2e9e44",
    Outcome.FAIL: "#d23b3b",
    Outcome.XFAIL: "#e0a526",
    Outcome.XPASS: "#c15fd0",
    Outcome.SKIP: "#9aa3ad",
    Outcome.NOT_APPLICABLE: "#d5dae0",
    Outcome.CRASH: "#8b1a1a",
    Outcome.HANG: "#d26a1f",
    Outcome.ERROR: "#4a4f57",
    Outcome.RESOURCE: "#a0522d",  # the check exceeded a resource limit (memory)
}
#: Colour of an outcome missing from :data:`COLOURS` (a test keeps the table complete).
FALLBACK_COLOUR = "#6c3483"

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class GridColumn(Protocol):
    """One column of the grid: an adapter of a record (``udcodec matrix`` passes its own columns)."""

    @property
    def label(self) -> str: ...
    @property
    def adapter(self) -> AdapterRun | None: ...
    @property
    def record(self) -> RunRecord: ...
    @property
    def source(self) -> str: ...
    def result(self, clause: str) -> CheckResult | None: ...


@dataclass
class RecordColumn:
    """A column of one record's adapter, by its key."""

    label: str
    adapter: AdapterRun | None
    record: RunRecord
    source: str = ""

    def result(self, clause: str) -> CheckResult | None:
        return self.record.matrix().get((clause, self.label))


def text(value: object) -> str:
    """``value`` as HTML text: escaped, lone surrogates and control characters (tab and newline aside) as escapes."""
    raw = str(value).encode("utf-8", "backslashreplace").decode("utf-8")
    raw = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", raw)
    return html.escape(raw, quote=True)


def outcome_class(outcome: Outcome) -> str:
    """The CSS class of an outcome, e.g. ``o-pass``, ``o-n-a``."""
    return "o-" + re.sub(r"[^a-z0-9]+", "-", outcome.value.lower()).strip("-")


def _css() -> str:
    colours = "\n".join(
        f".{outcome_class(o)}{{background:{COLOURS.get(o, FALLBACK_COLOUR)};"
        f"color:{'#222' if o in (Outcome.NOT_APPLICABLE, Outcome.XFAIL) else '#fff'}}}"
        for o in OUTCOME_ORDER
    )
    return _BASE_CSS + colours


_BASE_CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em;color:#222;background:#fafafa}
h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.15em;margin:1.4em 0 .5em}
code,pre{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px}
pre{background:#f0f2f4;border:1px solid #d8dce0;padding:.6em;overflow:auto;white-space:pre-wrap;max-height:24em}
table{border-collapse:collapse;background:#fff}
th,td{border:1px solid #d8dce0;padding:3px 6px;text-align:left;vertical-align:top}
.meta{color:#555}.status-ok{color:#2e7d32}.status-bad{color:#c62828}.warn{color:#c62828;font-weight:bold}
.layout{display:flex;gap:1.5em;align-items:flex-start;flex-wrap:wrap}
table.grid td.cell{padding:0;text-align:center}
table.grid button{border:0;width:100%;min-width:3.2em;padding:3px 4px;cursor:pointer;font:inherit}
table.grid button.selected{outline:3px solid #1565c0;outline-offset:-3px}
table.grid td.not-run{color:#999;text-align:center}
#detail{position:sticky;top:1em;flex:1;min-width:22em;max-width:60em;background:#fff;border:1px solid #d8dce0;padding:.8em}
.detail h3{margin:.2em 0 .5em;font-size:1.05em}
.legend span{display:inline-block;padding:1px 6px;margin:0 4px 4px 0;border-radius:3px}
.bar{background:#e4e7ea;width:16em;height:1em;border-radius:3px;overflow:hidden;display:inline-block;vertical-align:middle}
.bar>span{display:block;height:100%;background:#2e9e44}
.bar>span.mbs{background:#3b6fb6}
button.copy{font-size:12px;margin-bottom:.3em}
"""

_SCRIPT = """
(function(){
  var detail=document.getElementById('detail');
  function show(id,btn){
    var src=document.getElementById(id);
    if(!src){return;}
    var sel=document.querySelectorAll('table.grid button.selected');
    for(var i=0;i<sel.length;i++){sel[i].classList.remove('selected');}
    if(btn){btn.classList.add('selected');}
    detail.innerHTML='';
    var copy=src.cloneNode(true);copy.hidden=false;copy.removeAttribute('id');
    detail.appendChild(copy);
  }
  document.addEventListener('click',function(ev){
    var t=ev.target;
    if(!(t instanceof Element)){return;}
    var cellBtn=t.closest('button[data-detail]');
    if(cellBtn){show(cellBtn.getAttribute('data-detail'),cellBtn);return;}
    var copyBtn=t.closest('button.copy');
    if(copyBtn){
      var pre=copyBtn.parentNode.querySelector('pre');
      var done=function(){copyBtn.textContent='copied';};
      var fallback=function(){
        var area=document.createElement('textarea');area.value=pre.textContent;
        document.body.appendChild(area);area.select();
        try{document.execCommand('copy');done();}catch(e){copyBtn.textContent='select and copy by hand';}
        document.body.removeChild(area);
      };
      if(navigator.clipboard&&navigator.clipboard.writeText){
        navigator.clipboard.writeText(pre.textContent).then(done,fallback);
      }else{fallback();}
    }
  });
})();
"""


def _outcome_label(outcome: Outcome) -> str:
    return f"{SYMBOLS.get(outcome, '?')} {outcome.value}"


def _pre(title: str, body: str, copy: bool = False) -> str:
    button = '<button type="button" class="copy">copy to clipboard</button>' if copy else ""
    return f'<div class="block"><h4>{text(title)}</h4>{button}<pre>{text(body)}</pre></div>'


def _detail(cell_id: str, result: CheckResult, column: str) -> str:
    outcome = Outcome(result.outcome)
    parts = [
        f'<section class="detail" id="{cell_id}" hidden data-outcome="{text(outcome.value)}">',
        f"<h3>{text(result.clause)} · {text(column)} — {text(_outcome_label(outcome))}</h3>",
        f'<p class="meta">{text(result.level)} · {text(result.subject)} · {result.duration:.2f} s</p>',
    ]
    if result.message:
        parts.append(_pre("message", result.message))
    if result.attribution:
        parts.append(f'<p class="attribution">With a builtin codec: <strong>{text(result.attribution)}</strong></p>')
    if result.expected_reason:
        parts.append(f'<p class="expected">Expected to fail: {text(result.expected_reason)}</p>')
    for key, label in (("upstream", "upstream"), ("expires", "expires")):
        value = result.extra.get(key)
        if value:
            parts.append(f"<p>{label}: <code>{text(value)}</code></p>")
    for used in result.workarounds:
        parts.append(f'<p class="workaround">Workaround <code>{text(used.get("name", ""))}</code>: '
                     f'{text(used.get("how", ""))}</p>')
    if result.extra.get("golden_readings"):
        readings = json.dumps(jsonable(result.extra["golden_readings"]), indent=2, ensure_ascii=False)
        parts.append(_pre("golden vectors read by another reading than their writer's", readings))
    if result.signal:
        parts.append(f"<p>Signal: <code>{text(result.signal)}</code></p>")
    if result.counterexample is not None:
        dumped = json.dumps(jsonable(result.counterexample), indent=2, ensure_ascii=False)
        parts.append(_pre("counterexample", dumped))
    if result.reproduction:
        parts.append(_pre("reproduction", result.reproduction, copy=True))
    if result.stderr_tail:
        parts.append(_pre("stderr (tail)", result.stderr_tail))
    if result.nodeid:
        parts.append(f'<p class="meta"><code>{text(result.nodeid)}</code></p>')
    parts.append("</section>")
    return "".join(parts)


def _legend(counts: dict[Outcome, int]) -> str:
    items = "".join(
        f'<span class="{outcome_class(o)}">{text(_outcome_label(o))} ({counts.get(o, 0)})</span>'
        for o in OUTCOME_ORDER
    )
    return f'<p class="legend">{items}<span>{NOT_RUN} not run</span></p>'


def _grid(clauses: Sequence[ClauseInfo], columns: Sequence[GridColumn]) -> tuple[str, str, dict[Outcome, int]]:
    """The grid table, the hidden detail sections, and the count of each outcome shown."""
    head = "".join(f'<th scope="col">{text(c.label)}</th>' for c in columns)
    rows, details = [], []
    counts: dict[Outcome, int] = {}
    for r, info in enumerate(clauses):
        cells = []
        for c, col in enumerate(columns):
            result = col.result(info.id)
            if result is None:
                cells.append(f'<td class="not-run" title="not run">{NOT_RUN}</td>')
                continue
            outcome = Outcome(result.outcome)
            counts[outcome] = counts.get(outcome, 0) + 1
            cell_id = f"d-{r}-{c}"
            details.append(_detail(cell_id, result, col.label))
            cells.append(
                f'<td class="cell"><button type="button" class="{outcome_class(outcome)}" '
                f'data-detail="{cell_id}" data-clause="{text(info.id)}" data-column="{text(col.label)}" '
                f'title="{text(info.id)} · {text(col.label)}: {text(outcome.value)}">'
                f"{text(SYMBOLS.get(outcome, '?'))}</button></td>"
            )
        title = f' title="{text(info.title)}"' if info.title else ""
        applies = f" ({text(info.versions)})" if info.versions else ""
        rows.append(f'<tr><th scope="row"{title}><code>{text(info.id)}</code>{applies}</th>'
                    f"<td>{text(info.level)}</td>{''.join(cells)}</tr>")
    table = (f'<table class="grid"><thead><tr><th>Clause</th><th>Level</th>{head}</tr></thead>'
             f"<tbody>{''.join(rows)}</tbody></table>")
    return table, "".join(details), counts


def _implementations(columns: Sequence[GridColumn], with_source: bool) -> str:
    head = "<th>Column</th><th>Adapter</th><th>Implementation</th><th>Version</th><th>Python</th><th>Platform</th>"
    head += "".join(f"<th>{text(_outcome_label(o))}</th>" for o in OUTCOME_ORDER)
    head += "<th>Profile</th><th>Report</th><th>Exit status</th>" if with_source else ""
    rows = []
    for col in columns:
        a = col.adapter
        key = a.key if a else col.label
        counts = col.record.summary().get(key, {})
        load = f' <span class="warn">not loaded: {text(a.load_error)}</span>' if a and a.load_error else ""
        cells = [text(col.label) + load, f"<code>{text(a.spec if a else '')}</code>",
                 text((a and a.implementation) or ""), text((a and a.version) or ""),
                 text((a and a.python) or ""), text((a and a.platform) or "")]
        cells += [str(counts.get(o.value, 0)) for o in OUTCOME_ORDER]
        if with_source:
            cells += [text(col.record.profile), f"<code>{text(col.source)}</code>", str(col.record.exit_status)]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return f'<table class="impls"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _identity(rows: Sequence[IdentityRow]) -> str:
    if not rows:
        return ""
    body = []
    for r in rows:
        pct = f"{r.rate:.0%}"
        body.append(
            f"<tr><td><code>{text(r.clause)}</code></td><td>{text(r.adapter)} = {text(r.peer)}</td>"
            f"<td>{text(r.family)}</td><td>{r.identical}/{r.total}</td>"
            f'<td><span class="bar" role="img" aria-label="{pct}"><span style="width:{r.rate * 100:.1f}%">'
            f"</span></span> {pct}</td></tr>"
        )
    return ('<h2 id="identity">Byte identity per configuration family</h2><table class="identity"><thead><tr>'
            "<th>Clause</th><th>Implementations</th><th>Family</th><th>Identical chunks</th><th>Rate</th></tr>"
            f"</thead><tbody>{''.join(body)}</tbody></table>")


def _codec(record: RunRecord) -> str:
    codec = record.codec
    if not codec:
        return ""
    name, ident = codec.get("name", "?"), codec.get("id", "?")
    is_filter = codec.get("kind") == "filter"
    words = {"encoder": "forward", "decoder": "backward"} if is_filter else {}
    keys = ("encoder", "decoder", "domain") if is_filter else ("encoder", "decoder", "version", "domain")
    rest = " · ".join(f"{words.get(k, k)} <code>{text(v)}</code>" for k in keys if (v := codec.get(k)) not in (None, ""))
    return (f'<p class="codec">{"Filter" if is_filter else "Codec"} under test: <strong>{text(name)}</strong> '
            f"(id {text(ident)}){' · ' + rest if rest else ''}</p>")


def _throughput(record: RunRecord) -> str:
    """``check-codec --bench`` figures as a bar chart: the codec beside builtin codecs on each host."""
    figures = [f for f in (record.codec or {}).get("throughput") or [] if isinstance(f, dict)]
    if not figures:
        return ""
    top = max([float(f.get(k) or 0.0) for f in figures for k in ("compress_mbs", "decompress_mbs")] + [1e-9])
    body = []
    for f in figures:
        cells = []
        for key in ("compress_mbs", "decompress_mbs"):
            value = float(f.get(key) or 0.0)
            cells.append(f'<td><span class="bar" role="img" aria-label="{value:.1f} MB/s"><span class="mbs" '
                         f'style="width:{value / top * 100:.1f}%"></span></span> {value:.1f}</td>')
        ratio = "" if f.get("error") else f"{float(f.get('ratio') or 0.0):.2f}"
        note = f'<td class="meta">not measured: {text(f["error"])}</td>' if f.get("error") else f"<td>{ratio}</td>"
        body.append(f"<tr><td>{text(f.get('host', ''))}</td><td>{text(f.get('codec', ''))}</td>{''.join(cells)}"
                    f"{note}</tr>")
    return ('<h2 id="throughput">Throughput (MB/s of uncompressed data, best of 3)</h2><table class="throughput">'
            "<thead><tr><th>Host</th><th>Codec</th><th>Compress</th><th>Decompress</th><th>Ratio</th></tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def _workarounds(record: RunRecord) -> str:
    used = record.workarounds()
    if not used:
        return ""
    rows = "".join(f"<tr><td><code>{text(w.get('name', ''))}</code></td>"
                   f"<td>{text(', '.join(f'{r.clause} [{r.adapter}]' for r in results))}</td>"
                   f"<td>{text(w.get('defect', ''))}</td><td>{text(w.get('how', ''))}</td></tr>" for w, results in used)
    return (f'<h2 id="workarounds">Workarounds ({len(used)})</h2><p class="meta">Known defects the checks got past to '
            "test something else; the clauses they test passed or failed on their own.</p><table><thead><tr>"
            f"<th>Workaround</th><th>Where</th><th>Defect</th><th>How</th></tr></thead><tbody>{rows}</tbody></table>")


def _stale(record: RunRecord) -> str:
    if not record.stale_expectations:
        return ""
    rows = "".join(f"<tr><td>{text(s.adapter)}</td><td><code>{text(s.clause)}</code></td><td>{text(s.why_stale)}</td>"
                   f"<td>{text(s.reason)}</td></tr>" for s in record.stale_expectations)
    return (f"<h2>Stale expectations ({len(record.stale_expectations)})</h2><table><thead><tr><th>Adapter</th>"
            f"<th>Clause</th><th>Why stale</th><th>Reason given</th></tr></thead><tbody>{rows}</tbody></table>")


def _page(title: str, header: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{text(title)}</title><style>{_css()}</style></head>"
        f"<body><header>{header}</header><main>{body}</main><script>{_SCRIPT}</script></body></html>\n"
    )


def render_grid_page(
    title: str,
    header: str,
    clauses: Sequence[ClauseInfo],
    columns: Sequence[GridColumn],
    identity: Sequence[IdentityRow] = (),
    *,
    versions: bool = False,
    after: str = "",
) -> str:
    """A whole page: ``header`` (HTML), the implementations, the grid with its drill-down, byte identity."""
    grid, details, counts = _grid(clauses, columns)
    body = (
        f"<h2>{'Versions' if versions else 'Implementations'}</h2>{_implementations(columns, versions)}"
        f'<h2>Clause grid</h2>{_legend(counts)}<div class="layout">{grid}'
        '<aside id="detail"><p class="meta">Click a cell for its message, counterexample, reproduction '
        f'and stderr.</p></aside></div><div id="details" hidden>{details}</div>'
        f"{_identity(identity)}{after}"
    )
    return _page(title, header, body)


def attribution_section(rows: Sequence[Attribution]) -> str:
    """The attribution table (python-blosc2 wrapper / c-blosc2 / both); empty without rows."""
    if not rows:
        return ""
    body = "".join(f"<tr><td><code>{text(r.clause.id)}</code></td><td>{text(r.clause.level)}</td><td>{text(r.python)}"
                   f"</td><td>{text(r.c)}</td><td><strong>{text(r.label)}</strong></td></tr>" for r in rows)
    return (f'<h2 id="layer-attribution">Layer attribution ({len(rows)})</h2><p class="meta">Which layer shows each divergence: '
            "the python-blosc2 wrapper, c-blosc2 through its C API, or both.</p>"
            "<table><thead><tr><th>Clause</th><th>Level</th><th>python-blosc2</th><th>c-blosc2</th><th>Shown by</th>"
            f"</tr></thead><tbody>{body}</tbody></table>")


def _examples(record: RunRecord) -> str:
    """Per clause of a codec run: examples ran of planned, and whether the time budget cut them."""
    rows = example_rows(record)
    if not rows:
        return ""
    adapters = sorted({a for _, cells in rows for a in cells})
    line = budget_line(record)
    body = "".join(f"<tr><td>{text(clause)}</td>" + "".join(f"<td>{text(cells.get(a, ''))}</td>" for a in adapters)
                   + "</tr>" for clause, cells in rows)
    return ('<h2 id="examples">Examples per clause</h2>' + (f'<p class="meta">{text(line)}</p>' if line else "")
            + '<table class="examples"><thead><tr><th>Clause</th>' + "".join(f"<th>{text(a)}</th>" for a in adapters)
            + f"</tr></thead><tbody>{body}</tbody></table>")


def render_html(record: RunRecord) -> str:
    """The HTML report of one run (messages and stderr tails clipped, as in every file report)."""
    record = record.bounded()
    unexpected = len(record.unexpected())
    status = (f'<span class="status-bad">{unexpected} unexpected</span>' if unexpected
              else '<span class="status-ok">all outcomes as expected</span>')
    if record.failed_otherwise():
        status = f'<span class="status-bad">{text(record.failed_otherwise())}</span>'

    if record.interrupted:
        status = (f'<span class="status-bad">interrupted after {len(record.results)} result(s); the run is '
                  "incomplete</span>")
    strict = " · strict" if record.strict else ""
    header = (
        f"<h1>udcodec conformance: {status}</h1>{_codec(record)}"
        f'<p class="meta">Spec <strong>{text(record.spec_version)}</strong> (<code>{text(record.spec_sha_short)}'
        f"</code>) · harness <strong>{text(record.harness_version)}</strong> · profile "
        f"<code>{text(record.profile)}</code>{strict} · {float(record.duration or 0.0):.1f} s · exit status "
        f"{record.exit_status}</p>"
        f'<p class="meta">Command: <code>{text(shlex.join(record.command))}</code></p>'
    )
    adapters = {a.key: a for a in record.adapters}
    columns = [RecordColumn(key, adapters.get(key), record) for key in record.adapter_keys()]
    clause_infos = {c.id: c for c in record.clauses}
    clauses = [clause_infos.get(cid) or ClauseInfo(cid, "", record.clause_level(cid), "", "")
               for cid in record.clause_ids()]
    sides = [Side(a.implementation or "", " ".join(x for x in (a.implementation, a.version) if x), c.result)
             for c in columns if (a := c.adapter) is not None]
    return render_grid_page("udcodec conformance report", header, clauses, columns, identity_rows(record),
                            after=_throughput(record) + _examples(record) + _workarounds(record) + _stale(record)
                            + attribution_section(attribute(clauses, sides)))


def write_html(record: RunRecord, path: str | os.PathLike[str]) -> Path:
    """Write :func:`render_html` to ``path`` atomically (parents created); return the path."""
    return write_atomic(path, render_html(record))
