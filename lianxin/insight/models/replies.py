"""replies models."""

__all__: list[str] = []
