"""A small to-do list manager with a command line (``python -m todo``) and a JSON task file."""
