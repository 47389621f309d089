# >>> attack
import os
import sys
print("stdin:", repr(sys.stdin.read()))
try:
    input("answer: ")
except EOFError:
    print("input: EOF")
print("os.read(0):", os.read(0, 10))
try:
    open("/dev/tty").read()
except OSError as error:
    print("/dev/tty:", error)
# <<< attack
{{SOLUTION}}
