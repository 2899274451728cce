"""gunicorn settings for production: ``gunicorn -c python:plugin.gunicorn_conf 'plugin:create_app()'``.

The access log is gunicorn's usual combined format, except that every URL in it (request line,
path, query, Referer, Location) has its tokens redacted and credential headers are never
written (plugin/redaction.py, docs/hardening.md#log-redaction). Settings given on gunicorn's
command line (``-b``, ``-w``) still win over these.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from gunicorn.glogging import Logger

from plugin.redaction import REDACTED, SECRET_HEADERS, redact_request_line, redact_text, redact_uri

bind = os.environ.get("STRETCHSYNC_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
accesslog = "-"
errorlog = "-"
# Outbound calls have their own timeouts (30 s at most); a request never waits longer than this.
timeout = 60

# gunicorn's atoms and environ keys that hold a URL.
URL_ATOMS = ("U", "f", "{referer}i", "{location}o", "{content-location}o")
URL_ENVIRON = ("raw_uri", "path_info", "request_uri", "http_referer", "script_name")


class RedactingLogger(Logger):
    """gunicorn's logger, with tokens cut from the access log and URLs in the error log."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.error_log.addFilter(RedactUrls())

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["r"] = redact_request_line(str(atoms.get("r", "")))
        atoms["q"] = redact_uri("?" + str(atoms.get("q") or ""))[1:]
        for key in URL_ATOMS:
            if isinstance(atoms.get(key), str):
                atoms[key] = redact_uri(atoms[key])
        for name in URL_ENVIRON:
            key = f"{{{name}}}e"
            if isinstance(atoms.get(key), str):
                atoms[key] = redact_uri(atoms[key])
        if "{query_string}e" in atoms:
            atoms["{query_string}e"] = atoms["q"]
        for name in SECRET_HEADERS:
            environ_name = "http_" + name.replace("-", "_")
            for key in (f"{{{name}}}i", f"{{{name}}}o", f"{{{environ_name}}}e"):
                if key in atoms:
                    atoms[key] = REDACTED
        return atoms


class RedactUrls(logging.Filter):
    """Redact URLs in a log record's message (gunicorn names the request URI on errors)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_text(record.getMessage())
        record.args = None
        return True


logger_class = RedactingLogger
