"""``KitExecute``: nbgrader's Execute, with the kit's kernel in its sandbox and the kit's grade.

- The kernel is always the course's (``grader.jupyter.kernel``), whatever a
  notebook or a configuration names; it is started over unix sockets in a
  folder of its own, in its sandbox. Where the machine cannot sandbox it, the
  notebook is not run at all (every code cell says why) and is still graded.
- Every cell may take ``timeout`` seconds (the instructor's configuration,
  the same for every cell) and the whole notebook ``notebook_timeout``: past
  it, the cells left are not run. Nothing a student writes changes either.
- A kernel that dies (``os._exit``, a crash, too much memory) leaves the cells
  it did not run marked as such.
- Then ``grader.jupyter.regrade.regrade`` grades every grade cell outside the
  kernel: the grade never depends on what the kernel did or said.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time

from .cells import REGRADE_ENV, wrap_text
from .kernel import KERNEL_NAME, is_kit_kernelspec, sandbox_unavailable
from .regrade import regrade
from .submitted import UNREADABLE_KEY

GENERATOR = "d2l-cnn-kit"          # notebook metadata: {"module": ...} in every course notebook


class KernelRefused(RuntimeError):
    """The kernel cannot run safely here; the notebook is graded without running it."""


def not_run(cell, new_output, english: str, chinese: str, ename: str = "NotRun") -> None:
    cell.outputs = list(cell.get("outputs", [])) + [new_output(
        "error", ename=ename, evalue=english, traceback=wrap_text(f"{english}\n{chinese}").splitlines())]


def kit_execute_class():
    from nbclient.exceptions import DeadKernelError
    from nbformat.v4 import new_output
    from nbgrader.preprocessors import Execute
    from traitlets import Integer

    class KitExecute(Execute):
        notebook_timeout = Integer(
            900, help="Seconds the whole notebook may run in its kernel (the grading outside it is apart)."
        ).tag(config=True)

        def preprocess(self, nb, resources=None, km=None):
            nb.metadata.pop(UNREADABLE_KEY, None)
            module = (nb.metadata.get(GENERATOR) or {}).get("module")
            why = sandbox_unavailable()
            if why:
                self.log.warning("Not running %s in a kernel: it cannot be sandboxed here (%s); graded all the same",
                                 (resources or {}).get("unique_key", "the notebook"), why)
                for cell in nb.cells:
                    if cell.cell_type == "code":
                        not_run(cell, new_output, f"Not run: the grading machine cannot sandbox the notebook ({why}).",
                                "未运行：评分机器无法为笔记本提供沙箱。")
            else:
                nb, resources = self.run_in_sandbox(nb, resources, km)
            count = regrade(nb, module)
            self.log.info("Graded %d grade cell(s) outside the kernel", count)
            return nb, resources

        def run_in_sandbox(self, nb, resources, km):
            previous = os.environ.get(REGRADE_ENV)
            os.environ[REGRADE_ENV] = "1"          # the launcher sandboxes the kernel when it sees it
            self.kernel_name = KERNEL_NAME
            self.runtime_dir = tempfile.mkdtemp(prefix="d2l-kernel-")
            self.deadline = time.monotonic() + self.notebook_timeout
            try:
                nb, resources = super().preprocess(nb, resources, km=km)
            except DeadKernelError:
                self.log.warning("The kernel died while running %s: the cells that did not run score 0",
                                 (resources or {}).get("unique_key", "a notebook"))
                nb = getattr(self, "nb", None) or nb
                resources = resources if resources is not None else getattr(self, "resources", {})
                for cell in nb.cells:
                    if cell.cell_type == "code" and cell.get("execution_count") is None:
                        not_run(cell, new_output, "Not run: the notebook's Python process had ended (os._exit, "
                                "exit(), a crash, or too much memory).", "未运行：笔记本的 Python 进程已终止。",
                                ename="KernelDied")
            except Exception as error:                  # the kernel did not start: grade all the same
                self.log.warning("The kernel of %s failed (%s): graded without its outputs",
                                 (resources or {}).get("unique_key", "a notebook"), error)
                for cell in nb.cells:
                    if cell.cell_type == "code" and cell.get("execution_count") is None:
                        not_run(cell, new_output, "Not run: the notebook's kernel could not start.",
                                "未运行：笔记本的内核无法启动。")
            finally:
                shutil.rmtree(self.runtime_dir, ignore_errors=True)
                if previous is None:
                    os.environ.pop(REGRADE_ENV, None)
                else:
                    os.environ[REGRADE_ENV] = previous
            return nb, resources

        def create_kernel_manager(self):
            self.kernel_name = KERNEL_NAME
            km = super().create_kernel_manager()
            if not is_kit_kernelspec(km.kernel_spec.argv):
                raise KernelRefused(f"the kernelspec {KERNEL_NAME!r} does not start grader.jupyter.kernel "
                                    "(run python -m grader nbgrader again)")
            km.transport = "ipc"
            km.connection_file = os.path.join(self.runtime_dir, "kernel.json")
            km.ip = os.path.join(self.runtime_dir, "kernel-ipc")
            return km

        def _get_timeout(self, cell):
            left = self.deadline - time.monotonic()
            return max(1, int(min(self.timeout or left, left)))

        async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
            if cell.cell_type == "code" and time.monotonic() >= self.deadline:
                not_run(cell, new_output, f"Not run: the notebook used its {self.notebook_timeout} s.",
                        f"未运行：笔记本已用完 {self.notebook_timeout} 秒。")
                return cell
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)

    return KitExecute


def __getattr__(name):
    """``KitExecute`` is made on first use: importing this module does not import nbgrader."""
    if name == "KitExecute":
        globals()["KitExecute"] = kit_execute_class()
        return globals()["KitExecute"]
    raise AttributeError(name)
