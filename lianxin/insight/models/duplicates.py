"""duplicates models."""

__all__: list[str] = []
