"""Project tools: template checks, build checks, seed loading. Never deployed."""
