"""Responders: call-and-response models on virtual MIDI ports, on the show's clock.

A musician plays a call into `drumbridge <name> in`; the responder quantizes it to 16ths, asks its
model for an answer on a worker (never on the clock path), and plays the answer from the next bar
line on `drumbridge <name> out`. A late answer falls back (repeat the call, repeat the last answer,
or silence). Every answer's randomness comes from (seed, responder name, answer index), so a
recorded show replays bit for bit.
"""
