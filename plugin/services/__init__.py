"""Use cases: each function is one thing a user or host does, over a unit of work."""
