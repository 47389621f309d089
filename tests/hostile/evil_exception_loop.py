{{SOLUTION}}
# >>> attack
class Evil(Exception):
    def __str__(self):
        while True:
            pass


def lenet():
    raise Evil()
# <<< attack
