"""One module per target format: pure functions, model in, bytes or dicts out.

Nothing here imports Flask, SQLAlchemy or does I/O.
"""
