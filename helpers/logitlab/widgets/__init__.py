"""Live widgets of the course (STUB)."""
