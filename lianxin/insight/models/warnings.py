"""warnings models."""

__all__: list[str] = []
