# >>> attack
# The network, not even loopback: the grading machine listens on 127.0.0.1:{{PORT}} (the
# test opened it; a database, a Jupyter server or a classmate's helper would do). The module
# connects and sends what it would like to leak; nothing may arrive.
import socket

for label, family, address in (("127.0.0.1", socket.AF_INET, ("127.0.0.1", {{PORT}})),
                               ("localhost", socket.AF_INET, ("localhost", {{PORT}})),
                               ("::1", socket.AF_INET6, ("::1", {{PORT}}))):
    try:
        with socket.socket(family, socket.SOCK_STREAM) as connection:
            connection.settimeout(2)
            connection.connect(address)
            connection.sendall(b"leaked {{MARKER}}\n")
        print(f"loopback {label}: sent")
    except OSError as error:
        print(f"loopback {label}: connect failed: {error}")
# <<< attack
{{SOLUTION}}
