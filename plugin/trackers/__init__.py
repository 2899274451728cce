"""One client per external service (requests); I/O only, no routine logic beyond its payload."""
