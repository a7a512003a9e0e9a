"""The Open311 function: GeoReport v2 under /open311/v2/."""
