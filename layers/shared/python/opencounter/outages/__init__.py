"""Outages: a network or grid incident in an area, told to every affected customer before they
ask, shown to them while it lasts, and the all-clear after."""
