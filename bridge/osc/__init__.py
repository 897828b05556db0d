"""OSC out to the video machines (VDMX & co) and OSC control in.

output.py is the show's OSC component and the API other parts call (`show.osc`); config.py the
`[osc]` set-file schema; target.py one destination; clock_messages.py beat/bpm/transport;
cues.py cue arithmetic; control.py OSC → commands; namespace.py the address tables;
oscquery.py + advertise.py discovery; wire.py the bytes. docs/osc.md is the user's guide.
"""
