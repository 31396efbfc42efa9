"""dockls: a language server and CI checker that makes Docker images smaller and builds faster."""

# The one place the version is written (pyproject.toml reads it from here): no importlib.metadata at
# start-up, which costs the language server ~20 ms before its first diagnostics.
__version__ = "0.1.0"
