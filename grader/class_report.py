"""``class.html``: the class's results as one page an instructor opens in a browser.

``batch`` (and ``merge``) write it beside ``grades.csv`` and ``summary.txt``, from the
same digest of the class (``batch.class_summary``), so the page and the text never
disagree. It shows

- the distribution of the totals (``class-totals.png``);
- the causes that cost the class the most points, with how many students made each
  mistake, overall (``summary.png``) and per network: what to explain again in class;
- every student: total, points per network and first mistake, in a table that sorts
  on a click of its heading, each name a link to the student's ``report.txt``.

The page works offline, from the folder alone: its figures are PNG files beside it,
its style and its one script are inline, nothing comes from the network. Everything
a student chose (the name of their folder, their classes and attributes quoted in a
cause) is made inert (``escaping``) and then HTML-escaped; a link's path is
percent-encoded. A Content-Security-Policy lets only the page's own script run, so
even a string that slipped through could not run as one.
"""
from __future__ import annotations

import base64
import hashlib
import html
import os
import warnings
from pathlib import Path
from urllib.parse import quote

from . import escaping
from .spec import NETWORKS

PAGE, TOTALS_PNG, CAUSES_PNG = "class.html", "class-totals.png", "summary.png"
TOP = 15                    # causes in the chart, as in summary.txt
PER_NETWORK = 10            # causes listed under each network
LABEL_CHARS = 70            # a cause's label in the chart; the table has it whole


# -- the data: summary.txt's, ranked by points ----------------------------------------------

def costliest(summary: dict) -> list[tuple[str, str, int, float]]:
    """``summary["mistakes"]`` as (module, cause, students, points lost), the most points first.

    The same causes and the same counts as summary.txt; only the order differs (a stable
    sort: causes that cost as much keep summary.txt's order)."""
    ranked = [(module, gist, count, summary["lost"].get((module, gist), 0.0))
              for (module, gist), count in summary["mistakes"]]
    return sorted(ranked, key=lambda item: -item[3])


def points(value: float) -> str:
    return f"{round(value, 2):g}"


def students(count: int) -> str:
    return f"{count} student{'s' * (count != 1)}"


# -- figures (matplotlib, without pyplot: no global state, no display needed) ----------------

def new_figure(**options):
    """A matplotlib Figure drawn by Agg, the backend that needs no display (a server, a cluster node)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(layout="constrained", **options)
    FigureCanvasAgg(figure)
    return figure


def save(figure, path: Path) -> None:
    """Through a temporary file: shards of one class may write into one folder at once."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with warnings.catch_warnings():
        # a name in Chinese in a cause: boxes in the chart (the page has the text), not a warning per glyph
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        # no date in the file: the same class gives the same bytes
        figure.savefig(temporary, format="png", dpi=100, metadata={"Software": None})
    os.replace(temporary, path)


def causes_chart(summary: dict, path: Path, top: int = TOP) -> Path:
    """``summary.png``: a horizontal bar per cause, as long as the points it cost the class."""
    ranked = costliest(summary)[:top]
    figure = new_figure(figsize=(10, 1.4 + 0.38 * max(1, len(ranked))))
    axes = figure.add_subplot()
    axes.set_title(f"Causes that cost the most points (a class of {students(summary['students'])})",
                   fontsize=11, loc="left")
    if not ranked:
        axes.text(0.5, 0.5, "no mistakes", ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
        save(figure, path)
        return path
    order = {module: i for i, module in enumerate(summary["per_module"])}
    colours = [f"C{order.get(module, 0) % 10}" for module, *_ in ranked]
    labels = []
    for module, gist, _, _ in ranked:
        label = f"{NETWORKS[module].title}: {escaping.inert(gist)}"
        labels.append(label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…")
    rows = range(len(ranked))
    bars = axes.barh(rows, [lost for *_, lost in ranked], color=colours)
    # parse_math=False: a "$" in a cause is a dollar sign, not the start of a formula
    axes.set_yticks(rows, labels, fontsize=9, parse_math=False)
    axes.invert_yaxis()                                 # the costliest on top
    axes.bar_label(bars, [f"{points(lost)} ({students(count)})" for _, _, count, lost in ranked],
                   padding=3, fontsize=8)
    axes.set_xlabel("points lost by the class (and how many students made the mistake)")
    axes.margins(x=0.2)                                 # room for the labels right of the bars
    axes.spines[["top", "right"]].set_visible(False)
    save(figure, path)
    return path


def totals_chart(summary: dict, path: Path) -> Path:
    """``class-totals.png``: how many students got how many points."""
    maximum = summary["max_total"] or max(summary["totals"], default=0) or 1
    figure = new_figure(figsize=(8, 3))
    axes = figure.add_subplot()
    axes.hist(summary["totals"], bins=min(20, max(1, round(maximum))), range=(0, maximum),
              color="C0", edgecolor="white")
    axes.set_xlim(0, maximum)
    axes.set_xlabel(f"total points (of {points(maximum)})")
    axes.set_ylabel("students")
    axes.yaxis.get_major_locator().set_params(integer=True)     # no half students
    axes.spines[["top", "right"]].set_visible(False)
    save(figure, path)
    return path


# -- the page -------------------------------------------------------------------------------

def text(value) -> str:
    """Text a student may have chosen, safe between tags and in attributes: inert, never a
    formula if pasted into a spreadsheet (as in grades.csv), HTML-escaped."""
    return html.escape(escaping.cell(value))


def href(*parts: str) -> str:
    """A relative link to a file under the page's folder, each part percent-encoded."""
    return html.escape("/".join(quote(part, safe="") for part in parts))


STYLE = """
body { font-family: system-ui, sans-serif; line-height: 1.4; max-width: 75rem; margin: 1.5rem auto;
       padding: 0 1rem; color: #222; }
h1 { margin-bottom: 0.2rem; }
h3 { margin: 1.5rem 0 0.3rem; }
img { max-width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; }
th, td { text-align: left; vertical-align: top; padding: 0.25rem 0.5rem; border-bottom: 1px solid #ddd;
         overflow-wrap: anywhere; }
th { background: #f3f3f3; }
.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th:hover { background: #e4e4e4; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
.note { color: #555; }
"""

# Sorts a table.sortable on a click (or Enter) on a heading: numbers by the cell's
# data-value, text alphabetically; a second click reverses. It holds no data of its own.
SCRIPT = """
function sortBy(table, heading, column) {
    const descending = heading.getAttribute("aria-sort") === "ascending";
    for (const other of heading.parentElement.cells) other.removeAttribute("aria-sort");
    heading.setAttribute("aria-sort", descending ? "descending" : "ascending");
    const numeric = heading.dataset.type === "number";
    const key = row => {
        const cell = row.cells[column];
        return numeric ? parseFloat(cell.dataset.value) : cell.textContent.trim().toLowerCase();
    };
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    rows.sort((a, b) => {
        const x = key(a), y = key(b);
        const order = numeric ? x - y : x.localeCompare(y);
        return descending ? -order : order;
    });
    body.append(...rows);
}
for (const table of document.querySelectorAll("table.sortable")) {
    Array.from(table.tHead.rows[0].cells).forEach((heading, column) => {
        heading.tabIndex = 0;
        heading.title = "sort by this column";
        heading.addEventListener("click", () => sortBy(table, heading, column));
        heading.addEventListener("keydown", event => {
            if (event.key === "Enter") sortBy(table, heading, column);
        });
    });
}
"""


def digest(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


# Nothing from the network, no script but SCRIPT, no style but STYLE, images from the page's folder.
POLICY = (f"default-src 'none'; img-src 'self' file:; style-src {digest(STYLE)}; "
          f"script-src {digest(SCRIPT)}")


def table(headings: list[tuple[str, str]], rows: list[str]) -> list[str]:
    """A table SCRIPT sorts. ``headings``: (label, "number" or "text"); ``rows``: the <tr> elements."""
    cells = "".join(f'<th data-type="{kind}"{" class=number" if kind == "number" else ""}>'
                    f"{html.escape(label)}</th>" for label, kind in headings)
    return ["<table class=sortable>", f"<thead><tr>{cells}</tr></thead>", "<tbody>", *rows, "</tbody>", "</table>"]


def number(value: float) -> str:
    """A cell shown rounded, sorted by its value."""
    return f'<td class=number data-value="{value:.6g}">{points(value)}</td>'


def overview(summary: dict, options) -> list[str]:
    totals = sorted(summary["totals"])
    n = summary["students"]
    lines = [f"<p>{students(n)}, graded {'with' if options.train else 'without'} training checks."]
    if totals:
        middle = len(totals) // 2
        median = totals[middle] if n % 2 else (totals[middle - 1] + totals[middle]) / 2
        lines.append(f"Total: mean {sum(totals) / n:.1f}, median {points(median)}, min {points(totals[0])}, "
                     f"max {points(totals[-1])} (of {points(summary['max_total'])}).")
    lines.append('The same data as text: <a href="summary.txt">summary.txt</a>; '
                 'as a spreadsheet: <a href="grades.csv">grades.csv</a>.</p>')
    return lines


def causes_section(summary: dict, modules) -> list[str]:
    ranked = costliest(summary)
    lines = ["<h2>Mistakes worth a lecture</h2>",
             '<p class=note>A cause is a mistake the grader diagnosed, else the student\'s first wrong '
             "operation or layer-table row, counted once per student as in summary.txt; "
             "its points are what the checks charged for it, over the whole class.</p>",
             f'<img src="{CAUSES_PNG}" alt="bar chart of the causes that cost the most points">']
    for module in modules:
        state, pts = summary["per_module"][module], summary["points"][module]
        mean = sum(pts) / len(pts) if pts else 0
        lines.append(f"<h3>{html.escape(NETWORKS[module].title)}</h3>")
        lines.append(f"<p>Mean {mean:.1f} of {points(summary['maxima'][module])} points; "
                     f"{state['attempted']} attempted it, {state['not started']} left the stub, "
                     f"{state['missing']} had no file, {state['rejected']} were rejected.</p>")
        mine = [item for item in ranked if item[0] == module]
        if not mine:
            lines.append("<p class=note>No mistakes.</p>")
            continue
        rows = [f"<tr><td>{text(gist)}</td>{number(count)}{number(lost)}</tr>"
                for _, gist, count, lost in mine[:PER_NETWORK]]
        lines += table([("cause", "text"), (f"students (of {state['attempted']})", "number"),
                        ("points lost", "number")], rows)
        if len(mine) > PER_NETWORK:
            rest = mine[PER_NETWORK:]
            # a student may have made several of them: times, not students
            lines.append(f"<p class=note>and {len(rest)} more cause{'s' * (len(rest) != 1)}: made "
                         f"{sum(count for _, _, count, _ in rest)} times, "
                         f"{points(sum(lost for *_, lost in rest))} points lost in all.</p>")
    return lines


def students_section(out: Path, summary: dict, modules) -> list[str]:
    rows = []
    for row in summary["rows"]:
        student = row["student"]
        name = text(student)
        if (out / "students" / student / "report.txt").is_file():
            name = f'<a href="{href("students", student, "report.txt")}">{name}</a>'
        first = row["causes"][0] if row["causes"] else None
        cause = f"{NETWORKS[first[0]].title}: {first[1]}" if first else ""
        rows.append(f"<tr><td>{name}</td>{number(row['total'])}"
                    + "".join(number(row["points"][m]) for m in modules)
                    + f"<td>{text(cause)}</td><td>{text(row['status'])}</td></tr>")
    return (["<h2>Students</h2>",
             "<p class=note>Click a column's heading to sort by it (again: the other way); "
             "a name opens the student's report. Status as in grades.csv: ok, rejected (the submission "
             "was refused, the report says why) or error (a file the grader could not grade; "
             "the next run grades it again).</p>"]
            + table([("student", "text"), ("total", "number")] + [(NETWORKS[m].title, "number") for m in modules]
                    + [("first mistake", "text"), ("status", "text")], rows))


def page(out: Path, summary: dict, modules, options) -> str:
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Class report</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
        "<h1>Class report</h1>", *overview(summary, options),
        "<h2>Totals</h2>", f'<img src="{TOTALS_PNG}" alt="histogram of the students\' totals">',
        *causes_section(summary, modules), *students_section(out, summary, modules),
        f"<script>{SCRIPT}</script>", "</body>", "</html>", ""])


def write(out: Path, summary: dict, modules, options) -> Path:
    """``class.html`` and its figures (``class-totals.png``, ``summary.png``) in ``out``."""
    causes_chart(summary, out / CAUSES_PNG)
    totals_chart(summary, out / TOTALS_PNG)
    path = out / PAGE
    temporary = path.with_name(f"{PAGE}.{os.getpid()}.tmp")
    temporary.write_text(page(out, summary, modules, options), encoding="utf-8")
    os.replace(temporary, path)
    return path


__all__ = ["causes_chart", "costliest", "page", "totals_chart", "write"]
