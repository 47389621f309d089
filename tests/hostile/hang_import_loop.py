# >>> attack
while True:
    pass
# <<< attack
{{SOLUTION}}
