"""Handlers of the common feature."""
