# >>> attack
import sys

spec = sys.modules["grader.spec"].NETWORKS["lenet"]
table = [[row.name, list(row.shape)] for row in spec.table]
probes = sys.modules["grader.probes"]
build = sys.modules["grader.build"]


def fake_table(self, call, input_shape):
    return table


def fake_params(self, call):
    return spec.params


attempts = {
    "__code__ swap": lambda: setattr(probes.Probes.do_table, "__code__", fake_table.__code__),
    "class attribute": lambda: setattr(probes.Probes, "do_params", fake_params),
    "gc walk": lambda: __import__("gc").get_objects(),
    "module attribute": lambda: setattr(build, "parameter_count", lambda model: spec.params),
}
for name, attempt in attempts.items():
    try:
        attempt()
        print(name, "done")
    except Exception as error:
        print(name, "failed:", type(error).__name__, error)
# <<< attack
{{STUB}}
