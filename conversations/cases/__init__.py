"""Handlers of the cases feature."""
