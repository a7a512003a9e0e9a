"""The intake function: the reporter's and the public's HTTP routes."""
