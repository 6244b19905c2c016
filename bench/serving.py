"""Shared pieces of the HTTP benchmarks: start gunicorn, log in, measure requests per second.

Load comes from `wrk` when installed (apt-get install wrk), else from a small Python
client; both run on this machine against loopback only, for a fixed duration.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from contextlib import contextmanager
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
USER_AGENT = "biddesk-bench"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(target: str, env: dict, workers: int = 2):
    port = free_port()
    proc = subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            target,
        ],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"gunicorn {target} did not start")
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


DEMO_PREAMBLE = """
from decimal import Decimal
from flask_migrate import upgrade
from portal import create_app
from portal.demo import load_demo_data
from portal.extensions import db
app = create_app()
with app.app_context():
    upgrade()
    load_demo_data()
"""


def prepare_demo_database(url: str, body: str) -> str:
    """Build the schema at `url`, load the demo data, then run `body` (Python source with
    `app`, `db` and `Decimal` in scope, inside the app context) in a separate process, so
    the benchmark process imports none of the app. Returns what `body` printed."""
    code = DEMO_PREAMBLE + textwrap.indent(textwrap.dedent(body), "    ")
    return subprocess.run(
        [PY, "-c", code],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": url, "BIDDESK_ENV": "development"},
    ).stdout


def demo_app(prefix: str, **config):
    """For benchmarks that call the app in-process: an app on a scratch SQLite database in a
    new temporary folder (CSRF off, no Redis, its PDF cache and frozen files in that folder;
    `config` adds or overrides settings), at the newest schema, with the demo loaded.
    Returns the app, the folder and the demo logins (username, password, role)."""
    import logging

    from flask_migrate import upgrade

    from portal import create_app
    from portal.config import TestingConfig
    from portal.demo import load_demo_data

    folder = Path(tempfile.mkdtemp(prefix=prefix))
    settings = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
        "WTF_CSRF_ENABLED": False,
        "REDIS_URL": None,
        "PDF_CACHE_DIR": str(folder / "cache"),
        "PDF_FROZEN_DIR": str(folder / "frozen"),
    }
    app = create_app(TestingConfig, **{**settings, **config})
    with app.app_context():
        logging.disable(logging.INFO)  # not each migration's notes (env.py sets the levels)
        try:
            upgrade()
        finally:
            logging.disable(logging.NOTSET)
        logins = load_demo_data()
    return app, folder, logins


def leader_client(app, logins):
    """A test client of `app` logged in as the demo leader."""
    username, password = next((u, p) for u, p, role in logins if role == "leader")
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password})
    if response.status_code != 302:
        raise RuntimeError(f"login failed: {response.status_code}")
    return client


def login(port: int, username: str, password: str) -> str:
    """Log in like a browser; returns the Cookie header value of the session."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    # Flask-Login's strong session protection ties the session to the user agent.
    conn.request("GET", "/login", headers={"User-Agent": USER_AGENT})
    resp = conn.getresponse()
    body = resp.read().decode()
    [cookie] = [c.split(";")[0] for c in resp.msg.get_all("Set-Cookie") if c.startswith("session=")]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)
    from urllib.parse import urlencode

    form = urlencode({"csrf_token": token, "username": username, "password": password})
    conn.request(
        "POST",
        "/login",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "User-Agent": USER_AGENT,
        },
    )
    resp = conn.getresponse()
    resp.read()
    if resp.status != 302:
        raise RuntimeError(f"login failed: {resp.status}")
    [session] = [c for c in resp.msg.get_all("Set-Cookie") if c.startswith("session=")]
    return session.split(";")[0]


def _python_client(args):
    port, path, headers, seconds, unique = args
    done = 0
    end = time.time() + seconds
    while time.time() < end:
        conn = http.client.HTTPConnection("127.0.0.1", port)  # gunicorn sync workers close
        url = f"{path}&n={os.getpid()}-{done}" if unique else path
        conn.request("GET", url, headers=headers)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise RuntimeError(f"{path}: HTTP {resp.status}")
        conn.close()
        done += 1
    return done


def requests_per_second(
    port: int,
    path: str,
    headers: dict,
    seconds: float = 8.0,
    connections: int = 4,
    unique: bool = False,
) -> float:
    """Throughput of GET `path`; `unique` adds a distinct query parameter to every request
    (defeats any cache keyed on the URL)."""
    headers = {"User-Agent": USER_AGENT, **headers}
    wrk = shutil.which("wrk")
    if wrk:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            for name, value in headers.items():
                script.write(f'wrk.headers["{name}"] = "{value}"\n')
            if unique:
                script.write(
                    "local n = 0\nrequest = function()\n  n = n + 1\n"
                    f'  return wrk.format(nil, "{path}&n=" .. math.random(1e9) .. "-" .. n)\nend\n'
                )
        out = subprocess.run(
            [
                wrk,
                "-t",
                "2",
                "-c",
                str(connections),
                "-d",
                f"{int(seconds)}s",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}{path}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        os.unlink(script.name)
        if "Non-2xx" in out:
            raise RuntimeError(f"{path}: non-2xx answers\n{out}")
        return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    with Pool(connections) as pool:
        counts = pool.map(_python_client, [(port, path, headers, seconds, unique)] * connections)
    return sum(counts) / seconds


def load_generator() -> str:
    return "wrk" if shutil.which("wrk") else "python http.client (install wrk for a lighter client)"
