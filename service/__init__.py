"""The ways in: the command-line interface, the HTTP API and the web pages.

Owns: wiring (choosing adapters from settings), argument parsing, HTTP and
rendering. May import every other package; nothing imports it.
"""
