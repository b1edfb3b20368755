"""The connector layer's one error tree. Third-party exceptions (httpx, zeep, openpyxl)
are translated into these at the connector boundary; nothing above imports them."""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every connector error.

    Attributes:
        platform: ``vnedu``, ``csdl``, ``portal``, ``gradebook``.
        message: for people (Vietnamese), naming what to do when there is something to do.
    """

    def __init__(self, platform: str, message: str):
        self.platform, self.message = platform, message
        super().__init__(f"[{platform}] {message}")


class TransientError(ConnectorError):
    """Worth retrying: 5xx, 429, timeouts, cut connections, bodies that do not parse."""

    def __init__(self, platform: str, message: str, retry_after: float | None = None):
        super().__init__(platform, message)
        self.retry_after = retry_after


class AuthError(ConnectorError):
    """Credentials refused (after one token refresh): stop and tell IT which setting to fix."""


class PermanentError(ConnectorError):
    """The platform refused the request itself: do not send it again as it is."""


class LockedError(PermanentError):
    """The platform's lock window is closed for that data: wait for it to open."""


class ConfigError(ConnectorError):
    """Missing or wrong configuration, found at start-up."""


class FileFormatError(PermanentError):
    """A file that is not what it claims to be, or not safe to read."""
