"""S3 for attachments: the public endpoint of presigned forms and links, and the stack's own S3 calls."""
