"""dockls: a language server and CI checker that makes Docker images smaller and builds faster."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dockls")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
