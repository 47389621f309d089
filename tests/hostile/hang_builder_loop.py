{{SOLUTION}}
# >>> attack
def lenet():
    while True:
        pass
# <<< attack
