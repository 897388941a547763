"""The case: its resource, state, steps, what falls due when, and which step is allowed now."""
