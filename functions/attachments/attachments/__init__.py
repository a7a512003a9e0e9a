"""The attachments function: scrubs each uploaded file before anyone may fetch it."""
