"""The ceiling for this stack: a bare Flask app answering "hello", served exactly like Haven (bench/http_bench.py)."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
