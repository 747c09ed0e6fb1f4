"""A gunicorn access logger that writes nothing for the reporting channel's public paths.

Gunicorn's access log (outside Django) records every request's address, time, path and user
agent: for the reporting channel that is exactly what must not exist. Run gunicorn with
`--logger-class lianxin.deploy.gunicorn_logging.PrivateAccessLogger` (see
docs/supervision/reporting.md); other paths are logged as before."""

import re

from gunicorn.glogging import Logger

PRIVATE_PREFIXES = ("/supervision/report", "/api/v1/reports")
# Secrets a client might still put in an address (the API refuses them there, but the log
# line is written whatever the answer): their values never reach the log.
SECRET_PARAMS = re.compile(
    r"((?:^|[?&])(?:query_code|receipt|code|token|password)=)[^&]*", re.IGNORECASE
)


def redact(text: str) -> str:
    return SECRET_PARAMS.sub(r"\1[removed]", text)


class PrivateAccessLogger(Logger):
    def access(self, resp, req, environ, request_time):
        if environ.get("PATH_INFO", "").startswith(PRIVATE_PREFIXES):
            return
        environ = {
            **environ,
            "QUERY_STRING": redact(environ.get("QUERY_STRING", "")),
            "RAW_URI": redact(environ.get("RAW_URI", "")),
        }
        super().access(resp, req, environ, request_time)
