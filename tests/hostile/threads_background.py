# >>> attack
import threading
import time


def chatter():
    while True:
        print("still here", flush=True)
        time.sleep(0.01)


for _ in range(4):
    threading.Thread(target=chatter, daemon=False).start()
# <<< attack
{{SOLUTION}}
