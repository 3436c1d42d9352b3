"""Telling customers what happened, on the channel they prefer."""
