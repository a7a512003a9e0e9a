"""The routes of the staff API, one Powertools Router per concern."""
