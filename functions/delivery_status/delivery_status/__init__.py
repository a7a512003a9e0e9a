"""The delivery status function: what the e-mail and SMS providers say became of each message."""
