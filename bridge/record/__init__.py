"""Record a show's inputs (every incoming MIDI message with its time and musical position) and replay them.

A record is JSON Lines: a header (format version, the set file's text, where it came from), one line
per incoming message `{"t": seconds since the show started, "beat": ..., "port": ..., "data": [...]}`,
and an end line. Replay rebuilds the show from the header on in-memory ports and runs it in virtual
time, with model generation taking a modelled (fixed) time, so two replays give the same answers.
"""
