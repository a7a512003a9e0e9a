"""The DynamoDB adapter of the storage port (one application table; see docs/ARCHITECTURE.md)."""
