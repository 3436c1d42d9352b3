"""The whole customer view: the 360-degree view staff see, read from every domain of the record
with one Query."""
