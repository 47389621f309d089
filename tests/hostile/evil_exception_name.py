{{SOLUTION}}
# >>> attack
class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no")


Huge = type("E" * 1_000_000, (Unprintable,), {})


def lenet():
    raise Huge()
# <<< attack
