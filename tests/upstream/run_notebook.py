"""Run the code cells of a Jupyter notebook in order, in one namespace, as a kernel would.

    python run_notebook.py NOTEBOOK.ipynb OUT.json

Every code cell runs even after an earlier one failed (as "Run All" with errors ignored would
not, but one failure then does not hide what the later cells do).  A cell fails when it raises,
or when its last line is an expression whose value is a bool (NumPy's too) that is False: the
tutorial ends its checks with ``np.array_equal(data, out)``, shown as the cell's output, not
asserted.  OUT.json gets ``[{"id": "cell[N]", "outcome": "pass"|"fail", "message": ...}]`` where N
is the cell's index among all the notebook's cells.  Exit status 0 when the notebook was read.
"""

from __future__ import annotations

import ast
import json
import sys
import traceback
from typing import Any


def run_cell(source: str, namespace: dict[str, Any], name: str) -> tuple[str, str]:
    """Execute one cell; return (outcome, message)."""
    try:
        tree = ast.parse(source, filename=name)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, name, "exec"), namespace)  # noqa: S102 - running the notebook is the point
        if last is None:
            return "pass", ""
        value = eval(compile(ast.Expression(last.value), name, "eval"), namespace)  # noqa: S307
    except BaseException as exc:  # noqa: BLE001 - a cell's failure is a result
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return "fail", f"{traceback.format_exception_only(exc)[-1].strip()} ({where.filename}:{where.lineno})"
    if type(value).__name__ in ("bool", "bool_") and not bool(value):
        return "fail", f"the cell's last expression is {value!r}"
    return "pass", ""


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: run_notebook.py NOTEBOOK.ipynb OUT.json", file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as f:
        notebook = json.load(f)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    results = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        outcome, message = run_cell(source, namespace, f"<cell {index}>")
        results.append({"id": f"cell[{index}]", "outcome": outcome, "message": message})
    with open(argv[1], "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
