"""HTML → PDF bytes for the packet builder's render processes.

This module imports nothing of Django on purpose: the render processes are started from a fork
server that preloads only this module, so they neither inherit nor can close the parent's
database connections (a plain fork shares the parent's PostgreSQL socket, and a child tearing
down its copy of a connection ends the parent's session).
"""

import logging

# WeasyPrint logs every layout step at INFO; a 450-page packet would fill the worker's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def render_pdf(html: str, base_url: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()
