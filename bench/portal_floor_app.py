"""The portal's per-request floor: an authenticated, CSRF-checked POST that does no work.

The same app as wsgi.py with every hook every portal route runs (session, login, access
rule, CSRF, locale, security headers) plus one route that answers a constant fragment: no
query of its own, no write, no template. bench_quote.py serves it beside the bare endpoint
to show how much throughput the portal's stack leaves before a view does anything.
"""

from portal import create_app
from portal.security import ALL_ROLES, allowed

app = create_app()


@app.post("/bench/floor/<int:line_id>")
@allowed(*ALL_ROLES)
def floor(line_id: int):
    return f'<input id="line-{line_id}-version" value="1"><div id="quote-totals"></div>'
