"""Lambda: the template's functions run in this process, and what triggers them besides HTTP."""
