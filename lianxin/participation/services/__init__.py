"""Every write of the participation app. Callers import from the capability's module."""
