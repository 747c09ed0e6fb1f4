"""rankings models."""

__all__: list[str] = []
