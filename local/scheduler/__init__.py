"""EventBridge Scheduler: the template's scheduled jobs, on the real clock or when asked."""
