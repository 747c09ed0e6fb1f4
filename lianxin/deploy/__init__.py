"""Glue for running Lianxin under gunicorn and the like: pieces a deployment names on its
command line or in its configuration (e.g. gunicorn's `--logger-class`), not part of any app."""
