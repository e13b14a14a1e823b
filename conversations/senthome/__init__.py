"""Handlers of the sent-home reports ("allontanamenti", issue 17)."""
