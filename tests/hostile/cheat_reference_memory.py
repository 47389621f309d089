# >>> attack
import sys
grade = sys.modules.get("grader.grade")
print("grade-module-present" if grade else "grade-module-absent")
if grade is not None:
    print("references:", list(grade.REFERENCES), "cached results:", len(grade.RESULTS_CACHE))
print("checks-module-present" if "grader.checks" in sys.modules else "checks-module-absent")
print("pytest-present" if "_pytest" in sys.modules else "pytest-absent")
# <<< attack
{{STUB}}
