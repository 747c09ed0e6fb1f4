"""Signals other apps listen to, so that appeals never imports them (dependencies point one
way: core <- appeals <- insight, evaluation)."""

from django.dispatch import Signal

# Sent once a new appeal is committed (never for a replayed duplicate submission), with
# `appeal_id`. Receivers run after the commit and must be quick: they queue work.
appeal_received = Signal()
