# >>> attack
# Abstract unix sockets ("\0name": no file, so no folder hides them; they are scoped by the
# network namespace) that a process of the grading machine listens on: the test's, named
# {{ABSTRACT}} (stream) and {{ABSTRACT}}-dgram (datagrams). The module connects and sends;
# nothing may arrive.
import socket

for kind, name in ((socket.SOCK_STREAM, "{{ABSTRACT}}"), (socket.SOCK_DGRAM, "{{ABSTRACT}}-dgram")):
    try:
        with socket.socket(socket.AF_UNIX, kind) as connection:
            connection.settimeout(2)
            connection.connect("\0" + name)
            connection.send(b"leaked {{MARKER}}\n")
        print(f"abstract {kind.name}: sent")
    except OSError as error:
        print(f"abstract {kind.name}: connect failed: {error}")
# <<< attack
{{SOLUTION}}
