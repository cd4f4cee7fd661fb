"""Typed errors: every refusal of the runtime (docs/room-protocol.md codes) and LiveKit RPC failure."""

from __future__ import annotations

ERROR_KINDS: dict[int, str] = {
    2001: "not_focused",
    2002: "url_blocked",
    2003: "bad_request",
    2004: "rate_limited",
    2005: "browser_error",
    2006: "forbidden",
    2007: "timeout",
    2008: "skipped",
    1400: "unsupported_method",
    1401: "browser_not_found",
    1501: "timeout",
    1502: "timeout",
    1503: "browser_not_found",
}


def kind_of(code: int) -> str:
    return ERROR_KINDS.get(code, "rpc_error")


class BrowserError(Exception):
    """A call to the runtime failed; ``kind`` is stable (not_focused, url_blocked, bad_request, ...)."""

    def __init__(self, kind: str, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.code = code


class ActionError(BrowserError):
    """An action of a batch failed; ``index`` is its place in the batch."""

    def __init__(self, kind: str, message: str, code: int, index: int) -> None:
        super().__init__(kind, message, code)
        self.index = index
