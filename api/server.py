"""The HTTP server around the app, so that every answer is problem+json — even those of
aiohttp's own HTTP parser (a request line over 8 KB, control bytes, a malformed header),
which are answered before any middleware of the app runs.

``LedgerRunner`` is what ``ledger serve`` and the tests start the app with.
"""

from __future__ import annotations

from http import HTTPStatus

import structlog
from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from api.problems import Problem, problem_response

__all__ = ["LedgerRunner"]

log = structlog.get_logger("ledger.api")


class _ProblemRequestHandler(RequestHandler):
    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """aiohttp's last word on a request (a parse error, or a failure outside the app's
        middlewares), as problem+json; the connection is closed afterwards, as aiohttp does."""
        if request.writer.output_size > 0:
            raise ConnectionError("the response was already started; cannot answer the error")
        reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        # the parser's words may quote the request's raw bytes: keep them printable
        why = (message or repr(exc)).encode("utf-8", "backslashreplace").decode("utf-8")
        if status >= 500:
            log.error("request failed outside the app", status=status, error=why)
            detail = "the ledger failed to answer; the error is logged"
        else:
            log.warning("unparseable request", status=status, error=why)
            detail = f"the request is not valid HTTP: {why if message else reason}"
        slug = "malformed-request" if status == 400 else "internal" if status == 500 else "http-error"
        response = problem_response(Problem(status, slug, reason, detail))
        response.force_close()
        return response


class _ProblemServer(web.Server):
    def __call__(self) -> RequestHandler:
        return _ProblemRequestHandler(self, loop=self._loop, **self._kwargs)


class LedgerRunner(web.AppRunner):
    """An ``AppRunner`` whose connections answer aiohttp's own errors as problem+json."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        return _ProblemServer(
            server.request_handler,
            request_factory=server.request_factory,
            handler_cancellation=server.handler_cancellation,
            loop=server._loop,
            **server._kwargs,
        )
