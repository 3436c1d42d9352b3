"""The toolchain: the locks every environment and the dependencies layer are made from, and the
runtime's Python they run on (docs/adr/0011-one-lock-for-the-runtime.md)."""
