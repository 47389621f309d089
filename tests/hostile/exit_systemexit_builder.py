{{SOLUTION}}
# >>> attack
def lenet():
    raise SystemExit(0)
# <<< attack
