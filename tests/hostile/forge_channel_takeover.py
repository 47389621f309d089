# The strongest forgery: the module takes over its process's end of the grader's
# channel and answers every request itself, from public knowledge only (the book's
# tables and parameter counts; constant outputs). It cannot answer what needs the
# hidden reference (traces of the exact computation).
# >>> attack
import fcntl
import json
import os
import stat
import struct
import sys

spec = sys.modules["grader.spec"].NETWORKS["lenet"]
pipes = [fd for fd in range(3, 64) if os.path.exists(f"/proc/self/fd/{fd}")
         and stat.S_ISFIFO(os.fstat(fd).st_mode)]
reading = [fd for fd in pipes if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY]
writing = [fd for fd in pipes if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY]


def answer(op, args):
    if op == "table":
        return [[row.name, list(row.shape)] for row in spec.table]
    if op == "params":
        return spec.params
    if op == "output_shape":
        return [args["input_shape"][0], 10]
    if op == "gradients":
        return []
    if op == "outputs":
        return [[[0.0] * 10 for _ in range(shape[0])] for shape in args["input_shapes"]]
    if op == "minimum":
        return {"shape": [args["input_shape"][0], 10], "min": 0.0}
    if op == "train":
        return {"test_acc": 1.0, "target": 0.0, "steps": 1, "test_images": 1}
    return []


def reply(payload):
    data = json.dumps(payload).encode()
    os.write(writing[-1], struct.pack(">I", len(data)) + data)


reply({"ok": True, "result": ["lenet"]})            # the answer to "import"
while True:
    header = os.read(reading[0], 4)
    if len(header) < 4:
        os._exit(0)
    (length,) = struct.unpack(">I", header)
    request = json.loads(os.read(reading[0], length))
    if request["op"] == "exit":
        os._exit(0)
    reply({"ok": True, "result": answer(request["op"], request["args"])})
# <<< attack
{{STUB}}
