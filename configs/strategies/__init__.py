"""Example strategies, written to be read as tutorials."""
