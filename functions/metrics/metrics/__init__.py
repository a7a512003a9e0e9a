"""The metrics function: each night, the previous WIB day's indicators, stored and sent to CloudWatch."""
