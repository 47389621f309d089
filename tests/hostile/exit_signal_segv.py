{{SOLUTION}}
# >>> attack
import os
import signal


def lenet():
    os.kill(os.getpid(), signal.SIGSEGV)
# <<< attack
