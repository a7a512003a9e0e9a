"""Use cases: each takes validated input, calls the domain and the storage port once or twice. No AWS here."""
