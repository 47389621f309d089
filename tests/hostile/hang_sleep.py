# >>> attack
import time
time.sleep(10 ** 6)
# <<< attack
{{SOLUTION}}
