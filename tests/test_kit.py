"""The core kit: the spec equals the book, the stubs match the solutions, the visible tests fail on stubs."""
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from grader import stubgen
from grader import build
from grader.spec import ALL_MODULES, EXTRA_MODULES, MODULES, NETWORKS, parse_table

ROOT = Path(__file__).resolve().parent.parent
# The book's text as scraped (shared/seed), kept in the repo so this test runs anywhere.
BOOK = (ROOT / "tests" / "data" / "d2l_zh_modern_cnns.txt").read_text(encoding="utf-8")
ROW = re.compile(r"^(\w+) output shape:\s*torch\.Size\(\[([\d, ]+)\]\)\s*$")


def book_tables():
    """Runs of consecutive ``X output shape: torch.Size([...])`` lines, in the order the book prints them."""
    tables, current = [], []
    for line in BOOK.splitlines():
        match = ROW.match(line)
        if match:
            current.append(f"{match[1]} {match[2].replace(',', ' ')}")
        elif current:
            tables.append(parse_table("\n".join(current)))
            current = []
    return tables


def test_spec_tables_equal_the_books_printed_tables():
    assert book_tables() == [NETWORKS[m].table for m in MODULES]


def test_tables_of_the_new_parts_are_what_the_books_code_prints():
    """The book prints no table for the BatchNorm from scratch nor for DenseNet: the spec holds what its printing
    loop prints for its code (solutions/: the book's listings), and the scratch LeNet's is the printed table of
    the concise one with the book's BatchNorm class."""
    for module in EXTRA_MODULES:
        spec = NETWORKS[module]
        loaded = build.load_module(ROOT / "solutions", module)
        assert build.on_meta_or_cpu(build.layer_table, loaded, spec.call, spec.input_shape) == list(spec.table)
        assert build.parameter_count(build.build(loaded, spec.call, "meta", spec.input_shape)) == spec.params
    concise = NETWORKS["batch_norm"].table
    assert [(r.name, r.shape) for r in NETWORKS["batch_norm_scratch"].table] == \
        [(r.name[:-2] if r.name.startswith("BatchNorm") else r.name, r.shape) for r in concise]


def test_densenet_examples_are_the_books():
    """Printed by the Chinese edition (v2.0.0) after its DenseBlock(2, 3, 10) and transition_block(23, 10)."""
    shapes = {ex.call: (ex.input_shape, ex.output_shape) for ex in NETWORKS["densenet"].examples}
    assert shapes == {"DenseBlock(2, 3, 10)": ((4, 3, 8, 8), (4, 23, 8, 8)),
                      "transition_block(23, 10)": ((4, 23, 8, 8), (4, 10, 4, 4))}


def test_residual_examples_equal_the_book():
    printed = re.findall(r"^torch\.Size\(\[([\d, ]+)\]\)$", BOOK, flags=re.M)
    shapes = [tuple(int(d) for d in p.split(",")) for p in printed]
    residual = [ex for ex in NETWORKS["resnet"].examples if ex.call.startswith("Residual(")]
    assert shapes == [ex.output_shape for ex in residual]
    assert [ex.input_shape for ex in residual] == [(4, 3, 6, 6)] * 2


def test_stubs_are_in_sync_with_solutions():
    assert stubgen.stale_stubs() == [], "run: python -m grader stubs"


def test_stubs_keep_everything_outside_the_solution_regions():
    for module in ALL_MODULES:
        solution = (ROOT / "solutions" / f"{module}.py").read_text(encoding="utf-8")
        stub = (ROOT / "exercises" / f"{module}.py").read_text(encoding="utf-8")
        for region in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", solution, flags=re.S):
            for line in region.strip().splitlines():
                assert line.strip() not in stub.splitlines() or not line.strip(), (module, line)
        outside = re.sub(r"### BEGIN SOLUTION\n.*?### END SOLUTION\n", "", solution, flags=re.S)
        for line in outside.splitlines():
            if line.strip():
                assert line in stub, (module, line)


def test_every_builder_docstring_carries_the_books_table():
    for spec in NETWORKS.values():
        stub = (ROOT / "exercises" / f"{spec.module}.py").read_text(encoding="utf-8")
        assert f"Parameters (参数总数): {spec.params:,}" in stub
        for row in spec.table:
            assert f"{row.name} output shape: torch.Size({list(row.shape)})" in stub


def test_visible_tests_fail_on_the_stubs_with_the_stub_message(tmp_path):
    report = tmp_path / "junit.xml"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "exercises", "--impl=exercises", "-q", f"--junitxml={report}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout[-2000:]   # 1: tests failed; 2+: errors, usage
    cases = ET.parse(report).getroot().iter("testcase")
    outcomes = {}
    for case in cases:
        failure = case.find("failure")
        assert case.find("error") is None, case.get("name")
        assert failure is not None, f"{case.get('name')} passed on a stub"
        outcomes[case.get("name")] = failure.get("message")
    assert len(outcomes) == sum(len(NETWORKS[m].examples) + 2 for m in ALL_MODULES)
    for name, message in outcomes.items():
        assert "is not implemented yet" in message and "尚未实现" in message, (name, message)
        assert "Traceback" not in message
