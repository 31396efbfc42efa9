"""The service the example Dockerfile packages: one endpoint, enough to build and run the image."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello from a smaller image!\n"
