"""The ``remix-ledger`` command line."""

from service.cli.main import app, main

__all__ = ["app", "main"]
