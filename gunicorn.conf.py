"""gunicorn settings for Bid Desk: `.venv/bin/gunicorn -c gunicorn.conf.py wsgi:app`.

No request renders a PDF (they are queued: RQ with REDIS_URL, else a small process pool
per web worker), so a request is bounded by the database: DB_CONNECT_TIMEOUT (5 s) plus
DB_STATEMENT_TIMEOUT_MS (30 s). The worker timeout sits above that sum, so the portal's
own 503 page answers before gunicorn would kill a worker with a bare 500.
"""

import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Bodies the app refuses anyway (MAX_CONTENT_LENGTH is 12 MB) need not be read slowly.
limit_request_line = 8190
accesslog = "-"
errorlog = "-"

# The app reads this to check that login attempts are not counted per worker in memory:
# with several workers it refuses to start in production without REDIS_URL.
os.environ["BIDDESK_WORKERS"] = str(workers)
