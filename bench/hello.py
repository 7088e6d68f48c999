"""The reference point of the benchmark: a bare Flask "hello" app."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """Answer the smallest possible page."""
    return "hello"
