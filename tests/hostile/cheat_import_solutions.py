# >>> attack
import sys
sys.path[:0] = ["{{ROOT}}", "{{ROOT}}/solutions"]
try:
    from solutions.lenet import lenet
    print("imported solutions.lenet")
except ImportError as error:
    print("no solutions package:", error)
    try:
        from lenet_reference import lenet
    except ImportError:
        pass
# <<< attack
if "lenet" not in globals():
    def lenet():
        raise NotImplementedError("lenet is not implemented yet")
