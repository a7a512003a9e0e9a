"""The report stream function: what follows each write to the application table (its stream)."""
