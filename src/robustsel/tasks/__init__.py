"""Training problems: the task protocol and the built-in tasks."""
