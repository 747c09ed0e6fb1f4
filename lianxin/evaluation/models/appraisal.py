"""appraisal models."""

__all__: list[str] = []
