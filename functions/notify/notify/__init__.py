"""The notify function: domain events from the bus become messages on the notifications topic."""
