"""Pure models and rules: no telegram, no database, no clock."""
