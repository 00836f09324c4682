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
import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from traitlets import CaselessStrEnum, Unicode

KERNEL = "python3"


class ConnectedClient(AsyncKernelClient):
    """A client connected as its kernel is launched (so its subscription to the kernel's broadcasts has settled
    when the kernel is up), whose channels may be started again (papermill does)."""

    started = False

    def start_channels(self, *args, **kwargs) -> None:
        if not self.started:
            super().start_channels(*args, **kwargs)
            self.started = True

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """jupyter_client's wait (a kernel_info reply, then a broadcast to show the subscription works), less its
        last step: draining broadcasts until none came for 0.2 s, which a client connected early need not do.
        What is queued is drained at once; anything later belongs to no cell, and papermill ignores it."""
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:
                    await self.iopub_channel.get_msg(timeout=0.2)
                except Empty:
                    pass
                else:
                    self._handle_kernel_info_reply(reply)
                    break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
        while True:
            try:
                await self.iopub_channel.get_msg(timeout=0)
            except Empty:
                break


class LocalKernelManager(AsyncKernelManager):
    """A kernel on IPC sockets in its own folder, which keeps the clients made for it so they can be closed.
    Its first client (a :class:`ConnectedClient`) is made and connected when the kernel is launched, and is the
    one papermill gets."""

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)
    ip = Unicode(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.client_factory = ConnectedClient
        self.clients = []
        self.early = None

    def client(self, **kwargs):
        if self.early is not None and not kwargs:
            made, self.early = self.early, None
            return made
        made = super().client(**kwargs)
        self.clients.append(made)
        return made

    def connect_early(self) -> None:
        """Make the first client and connect its channels now, without waiting for the kernel."""
        self.early = self.client()
        self.early.start_channels()


class Kernel:
    """One launched kernel: its manager (for papermill's ``km``), the folder it runs in and its socket folder."""

    def __init__(self, cwd: str):
        self.cwd = cwd
        self.stopping = False
        self.sockets = tempfile.mkdtemp(prefix="pleval-kernel-")
        self.manager = LocalKernelManager(kernel_name=KERNEL, ip=os.path.join(self.sockets, "kernel"))
        run_sync(self.manager.start_kernel)(cwd=cwd)  # returns once the process is started, not booted
        self.manager.connect_early()

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
