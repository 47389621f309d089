# >>> attack
import os
os._exit(0)
# <<< attack
{{SOLUTION}}
