"""The routing functions: the staff API (`handler`) and the stream consumer (`stream`)."""
