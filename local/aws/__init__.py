"""The AWS services the functions call, on an embedded moto server: DynamoDB, S3, EventBridge, SNS."""
