"""Use cases: one function per user action, owning its transaction; no Telegram."""
