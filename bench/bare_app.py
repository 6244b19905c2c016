"""The yardstick: a bare Flask endpoint, served by the same gunicorn set-up as the portal."""

from flask import Flask

app = Flask(__name__)


@app.get("/bare")
def bare():
    return "ok"
