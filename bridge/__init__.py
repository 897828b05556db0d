"""drumbridge: follow Ableton's clock, answer musicians with ML responders, drive a robot drum and cue the video."""

__version__ = "0.1.0"
