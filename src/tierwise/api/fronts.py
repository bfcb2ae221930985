"""What the hot paths answered ahead of FastAPI's routing share (checks, in-app offers, ingest).

A front is a plain ASGI layer outside the app's whole middleware stack: it answers its own
requests with pre-encoded JSON and passes every other request on. Errors raised on its way are
turned into answers by the app's own exception handlers (problem+json), exactly as on any other
route; like Starlette's server-error layer, an unexpected error is answered with the app's
``Exception`` handler (a logged 500 problem) and raised on to the server.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from inspect import isawaitable
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = [
    "ExceptionHandlers",
    "Front",
    "header",
    "install_front",
    "route_path",
    "send_json",
    "send_problem",
]

ExceptionHandlers = Mapping[Any, Callable[[Request, Exception], Response | Awaitable[Response]]]


class Front:
    """An ASGI layer that answers the ``method`` requests whose path it :meth:`claims` with the
    JSON bytes of :meth:`answer`, errors through ``handlers`` (the app's exception handlers, read
    on every error so handlers added later count), and passes every other request on to ``app``.
    """

    #: the HTTP method of every request the front answers
    method = "POST"

    def __init__(self, app: ASGIApp, *, handlers: ExceptionHandlers) -> None:
        self._app = app
        self._handlers = handlers

    def claims(self, path: str) -> bool:
        """Whether the front answers ``path`` (the route path, without the root path)."""
        raise NotImplementedError

    async def answer(self, scope: Scope, receive: Receive, path: str) -> bytes:
        """The JSON body of a 200 answer to a claimed request; raise to answer a problem."""
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == self.method:
            path = route_path(scope)
            if self.claims(path):
                try:
                    body = await self.answer(scope, receive, path)
                except Exception as error:
                    await send_problem(self._handlers, error, scope, receive, send)
                    return
                await send_json(send, body)
                return
        await self._app(scope, receive, send)


def install_front(app: FastAPI, front: Callable[[ASGIApp], ASGIApp]) -> None:
    """Put ``front(stack)`` outside ``app``'s whole middleware stack.

    The stack is built on the app's first request, so middleware added until then stays behind
    the front; a front installed later sits outside the ones installed before it.
    """
    build = app.build_middleware_stack

    def build_with_front() -> ASGIApp:
        return front(build())

    app.build_middleware_stack = build_with_front  # type: ignore[method-assign]


def route_path(scope: Scope) -> str:
    """The request's path as routes see it (without the app's ``root_path``)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        return path[len(root) :]
    return path


def header(scope: Scope, name: bytes) -> str | None:
    """The value of the request header ``name`` (lower case); the first if repeated, as
    Starlette's ``request.headers`` reads it."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def send_json(send: Send, body: bytes) -> None:
    """Answer 200 with ``body``, already encoded JSON."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_problem(
    handlers: ExceptionHandlers, error: Exception, scope: Scope, receive: Receive, send: Send
) -> None:
    """Answer ``error`` with the app's handler for its class (the nearest in its MRO)."""
    for kind in type(error).__mro__:
        handler = handlers.get(kind)
        if handler is not None:
            answer = handler(Request(scope, receive), error)
            response = await answer if isawaitable(answer) else answer
            await response(scope, receive, send)
            if kind is Exception:
                raise error
            return
    raise error
