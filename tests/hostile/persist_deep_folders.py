# >>> attack
# Folders 3,000 deep in the scratch folder (mkdir relative to an open folder has no length limit):
# shutil.rmtree, which recurses once per level, raised RecursionError in the grading process when it
# removed the scratch folder. Folders are removed without recursion now (grader/sandbox/trees.py).
import os

top = current = os.open(".", os.O_RDONLY)
for level in range(3000):
    os.mkdir("d", dir_fd=current)
    deeper = os.open("d", os.O_RDONLY, dir_fd=current)
    if current != top:
        os.close(current)
    current = deeper
print("nested: 3000")
# <<< attack
{{SOLUTION}}
