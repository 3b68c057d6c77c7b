"""Kernel channels that never miss a message: for the grader's runner and for voila (``make app``).

**The idle wait after widget cells** (nbclient issue #312).  nbclient waits
for a cell's ``execute_reply`` with one ``poll`` of the shell socket for the
whole cell timeout.  Measured here (notebook 01, 15 s cell timeout): in 5 of
6 runs the reply of the cell that displays an explorer was already in the
socket a few milliseconds after the kernel went idle, but the asyncio poller
was not woken (zmq's notification descriptor is edge-triggered and the
wake-up was lost); the poll returned it only when its timeout expired, 15 s
later.  The fix uses jupyter_client's documented extension points, not a
copy of nbclient: a kernel manager whose ``client_factory`` makes a client
whose shell, iopub and stdin channels (``shell_channel_class``...) wait in
slices of :data:`POLL_SLICE` seconds; each slice ends with a fresh look at
the socket, so a lost wake-up costs at most one slice.  Checked with
jupyter_client 8.10 and nbclient 0.11 (``tests/test_classroom_runner.py`` has
the stress test).

Voila takes the client by name:
``--KernelManager.client_class=course_lib.kernel_transport.SlicedPollClient``.
"""

from __future__ import annotations

import time
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from traitlets import Type

__all__ = ["POLL_SLICE", "SlicedPollChannel", "SlicedPollClient", "SlicedPollKernelManager"]

POLL_SLICE = 0.02
"""Seconds a channel waits on its socket before looking again (bounds a lost wake-up; short, as the
pristine kernel's calls of a student's function each wait on two channels)."""


class SlicedPollChannel(AsyncZMQSocketChannel):
    """``get_msg`` that never sleeps on the socket longer than :data:`POLL_SLICE`."""

    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = POLL_SLICE if deadline is None else max(0.0, min(POLL_SLICE, deadline - time.monotonic()))
            try:
                return await super().get_msg(timeout=left)
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise


class SlicedPollClient(AsyncKernelClient):
    """An asynchronous kernel client whose channels poll in slices (the class voila is given)."""

    shell_channel_class = Type(SlicedPollChannel)
    iopub_channel_class = Type(SlicedPollChannel)
    stdin_channel_class = Type(SlicedPollChannel)


class SlicedPollKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose clients are :class:`SlicedPollClient`."""

    client_factory = Type(SlicedPollClient, klass=AsyncKernelClient)
