# >>> attack
import json
import os
fake = json.dumps({"score": 100, "max_score": 100, "tests": []})
for path in ("results.json", "../results.json", "{{SUBMISSION}}/results.json", "{{SIBLING}}/results.json",
             "{{RESULTS}}", "/autograder/results/results.json", os.path.expanduser("~/results.json")):
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w") as f:
            f.write(fake)
        print("wrote", path)
    except OSError as error:
        print("could not write", path, error)
# <<< attack
{{STUB}}
