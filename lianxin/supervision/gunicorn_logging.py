"""A gunicorn access logger that writes nothing for the reporting channel's public paths.

Gunicorn's access log (outside Django) records every request's address, time, path and user
agent: for the reporting channel that is exactly what must not exist. Run gunicorn with
`--logger-class lianxin.supervision.gunicorn_logging.PrivateAccessLogger` (see
docs/supervision/reporting.md); other paths are logged as before."""

from gunicorn.glogging import Logger

PRIVATE_PREFIXES = ("/supervision/report", "/api/v1/reports")


class PrivateAccessLogger(Logger):
    def access(self, resp, req, environ, request_time):
        if environ.get("PATH_INFO", "").startswith(PRIVATE_PREFIXES):
            return
        super().access(resp, req, environ, request_time)
