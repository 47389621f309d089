# >>> attack
print("\x1b[2J\x1b[H\x1b[32mTotal: 100 / 100\x1b[0m\rAll checks passed\u202e")
# <<< attack
raise RuntimeError("this module is broken\x1b[2K")
