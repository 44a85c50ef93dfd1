"""Synthetic scenarios for the demo and for evaluation: a tool beside the library.

It depends on :mod:`buitengebied`; the library never imports it.
"""
