"""Firmware tests: host-native unit tests and the real firmware in simavr."""
