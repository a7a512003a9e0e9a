"""The data folder: what survives a restart (DynamoDB's tables, S3's objects, the local secret)."""
