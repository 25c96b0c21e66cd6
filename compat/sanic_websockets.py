"""Let sanic 21.12's websocket implementation run on Python 3.11.

``WebsocketImplProtocol.recv`` and ``recv_burst`` in ``sanic/server/websockets/impl.py`` pass a
bare coroutine (``self.assembler.get(...)``) to ``asyncio.wait``. Python 3.11 refuses that with
``TypeError: Passing coroutines is forbidden``, so every websocket upgrade of Rasa's socket.io
channel dies and browsers report "Invalid frame header". Newer sanic releases wrap the coroutine
in a task; rasa pins sanic 21.12, so we give that one module an ``asyncio`` whose ``wait`` does
the wrapping, and leave the rest of asyncio (and every other module) alone.
"""

import asyncio
import sys
import types
from typing import Any, Iterable


async def wait_scheduling_coroutines(aws: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
    """``asyncio.wait`` as it behaved before 3.11: coroutines are scheduled as tasks first."""
    return await asyncio.wait([asyncio.ensure_future(aw) for aw in aws], *args, **kwargs)


def apply() -> bool:
    """Patch sanic's websocket module if this Python needs it; return whether it was patched."""
    if sys.version_info < (3, 11):
        return False
    from sanic.server.websockets import impl

    from compat.versions import SANIC, written_for

    written_for(SANIC, __name__)
    if getattr(impl.asyncio, "wait", None) is wait_scheduling_coroutines:
        return True
    patched_asyncio = types.ModuleType("asyncio")
    patched_asyncio.__dict__.update(vars(asyncio))
    patched_asyncio.wait = wait_scheduling_coroutines
    impl.asyncio = patched_asyncio
    return True
