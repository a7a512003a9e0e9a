"""The escalation function: reminders, breaches, escalations and time-driven closes, on a schedule."""
