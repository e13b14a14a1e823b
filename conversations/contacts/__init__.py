"""Handlers of the contacts feature."""
