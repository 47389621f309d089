# >>> attack
import inspect
import sys

for path in ("{{ROOT}}/grader/checks.py", "{{ROOT}}/grader/strategies.py", "{{ROOT}}/grader/grade.py"):
    try:
        print(open(path).read()[:3000])
    except OSError as error:
        print("cannot read", path, type(error).__name__)
try:
    print(inspect.getsource(sys.modules["grader.probes"]))
except (OSError, TypeError) as error:
    print("no probe source:", error)
leaked = {{HIDDEN_LINES}}                     # as if a copy had leaked: try to get it echoed back
for line in leaked:
    print(line)
    print("x" + line + "x")
print('  File "{{ROOT}}/grader/checks.py", line 120, in check')
print('  File "/somewhere/else/grader/grade.py", line 3, in run_check')
Leak = type(leaked[0][:90] + "Error", (Exception,), {})
raise Leak(leaked[1])
# <<< attack
raise RuntimeError("this module is broken")
