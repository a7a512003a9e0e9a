"""The Open311 function: GeoReport v2 under /open311/v2/ and the coordinator's API keys."""
