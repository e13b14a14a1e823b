"""Handlers of the ats feature."""
