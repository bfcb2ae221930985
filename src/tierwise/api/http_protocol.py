"""The HTTP protocol ``tierwise serve`` runs: uvicorn's httptools protocol, one write per answer.

uvicorn writes an answer in two socket writes: the status line and headers when the app sends
``http.response.start``, the body when it sends ``http.response.body``. Each write is a system
call, and on a connection with ``TCP_NODELAY`` (uvloop's default) a TCP segment of its own that
the client wakes up for. Profiled under ``wrk`` on the in-app offers route, those writes were the
largest single item of the server's time holding the GIL (a third of it on a loaded box). The
bytes sent are the same either way; :class:`OneWriteTransport` only joins writes made in the
same turn of the event loop:

* the first write is held, and a flush of it is scheduled for the loop's next turn;
* a write made while one is held goes out together with it, as one system call;
* closing flushes what is held first; a held write whose connection is gone meanwhile is
  dropped, as the transport itself would drop it.

So the headers and the body of an answer sent at once (every answer of this API) leave in one
write, and a write that nothing follows (an answer streamed in parts, ``100 Continue``) leaves
one turn of the loop later, not waiting for anything else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["OneWriteHttpToolsProtocol", "OneWriteTransport"]

_Data = bytes | bytearray | memoryview


class OneWriteTransport(asyncio.Transport):
    """``transport`` with the writes of one turn of ``loop`` joined (module docstring)."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: _Data) -> None:
        held = self._held
        if held is None:
            self._held = bytes(data)
            self._loop.call_soon(self._flush)
            return
        self._held = None
        self._transport.write(held + data)

    def writelines(self, list_of_data: Iterable[_Data]) -> None:
        self.write(b"".join(list_of_data))

    def _flush(self) -> None:
        held = self._held
        if held is not None:
            self._held = None
            if not self._transport.is_closing():  # the connection went away meanwhile
                self._transport.write(held)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        self._held = None
        self._transport.abort()

    def write_eof(self) -> None:
        self._flush()
        self._transport.write_eof()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._flush()  # a protocol taking the connection over writes after what was held
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)

    def get_write_buffer_size(self) -> int:
        held = self._held
        return self._transport.get_write_buffer_size() + (0 if held is None else len(held))

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._transport.get_write_buffer_limits()


class OneWriteHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol on a :class:`OneWriteTransport`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(OneWriteTransport(transport, self.loop))
