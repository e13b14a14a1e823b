"""Handlers of the absences feature."""
