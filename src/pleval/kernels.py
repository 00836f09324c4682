"""Kernels for ``pleval build``, launched ahead: a kernel takes about a second to boot, so the build launches the
next page's kernel while it is busy with something else (planning, drafting the briefs, converting the previous
page) and papermill then runs the page in a kernel that is already up.

Each kernel talks over local sockets in a folder of its own: nothing listens on the network (and no kernel warns
that it does), and kernels running at once never share a socket. At most one kernel waits per process; one that
is never used is shut down when the process ends (or by :func:`discard`).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from traitlets import CaselessStrEnum, Unicode

KERNEL = "python3"


class LocalKernelManager(AsyncKernelManager):
    """A kernel on IPC sockets in its own folder, which keeps the clients made for it so they can be closed."""

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)
    ip = Unicode(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.clients = []

    def client(self, **kwargs):
        made = super().client(**kwargs)
        self.clients.append(made)
        return made


class Kernel:
    """One launched kernel: its manager (for papermill's ``km``), the folder it runs in and its socket folder."""

    def __init__(self, cwd: str):
        self.cwd = cwd
        self.stopping = False
        self.sockets = tempfile.mkdtemp(prefix="pleval-kernel-")
        self.manager = LocalKernelManager(kernel_name=KERNEL, ip=os.path.join(self.sockets, "kernel"))
        run_sync(self.manager.start_kernel)(cwd=cwd)  # returns once the process is started, not booted

    def alive(self) -> bool:
        return bool(run_sync(self.manager.is_alive)())

    def stop(self) -> None:
        """Ask the kernel to shut down, without waiting for it to go (:meth:`close` waits)."""
        for client in self.manager.clients:
            client.stop_channels()
        self.manager.clients.clear()
        if self.manager.has_kernel and not self.stopping:
            self.stopping = True
            run_sync(self.manager.request_shutdown)()

    def close(self) -> None:
        """Shut the kernel down (asking it first, then by signal if it lingers) and remove its sockets."""
        try:
            self.stop()
            if self.manager.has_kernel:
                run_sync(self.manager.finish_shutdown)(waittime=2.0)
            run_sync(self.manager.cleanup_resources)()
        except RuntimeError:  # already gone
            pass
        finally:
            shutil.rmtree(self.sockets, ignore_errors=True)


_waiting: Kernel | None = None


def launch_ahead(cwd: str) -> None:
    """Launch a kernel in ``cwd`` for the next page of this process (unless one is waiting already)."""
    global _waiting
    if _waiting is None:
        _waiting = Kernel(cwd)


def take(cwd: str) -> Kernel:
    """The kernel launched ahead, if it runs in ``cwd`` and is alive; otherwise a kernel launched now."""
    global _waiting
    kernel, _waiting = _waiting, None
    if kernel is not None and kernel.cwd == cwd and kernel.alive():
        return kernel
    if kernel is not None:
        kernel.close()
    return Kernel(cwd)


def discard() -> None:
    """Shut down a kernel launched ahead that no page took."""
    global _waiting
    kernel, _waiting = _waiting, None
    if kernel is not None:
        kernel.close()


atexit.register(discard)
