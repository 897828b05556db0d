"""The robot drum: an Arduino on USB serial whose motors strike a drum on MIDI notes.

For other parts of the show (responders, OSC, the dashboard), everything on the engine thread:

- `show.drum` is a `bridge.drum.drum.Drum` (None when the set file has no `[drum]`).
- `drum.play(note, velocity, beat)`: strike so the stick lands on musical position `beat`; the
  motor's latency (command → stick on skin) is taken off through the scheduler's look-ahead.
  Call it as soon as the note is known (a responder's answer, bars ahead). Returns False when the
  note is not in the map.
- `drum.hit_now(note, velocity)`: strike at once (live input; set Ableton's Track Delay to minus
  the latency to land on the beat).
- `drum.hit_listeners.append(fn)`: `fn(DrumHit(voice, motor, note, velocity, beat))` for every note:
  `play` notes when scheduled (ahead of the beat), `hit_now` notes when sent. The show wiring hooks
  the OSC part's `drum_hit(voice, velocity 0..1, beat)` (OSC `/drumbridge/drum/<voice>`) here.
- A responder answers into the drum when the set file says `[drum] input = "<responder name>"`:
  `Show` hands `drum.play` to the responder (see `bridge.drum.wiring.wire_drum`).
- Commands (bridge.commands, made by `rig.RigCommands`): `drum.reconnect()`, `drum.test(motor, velocity)`,
  `drum.calibrate(motor, forward_ms, pause_ms, back_ms, latency_ms, save)`, `drum.save()`,
  `drum.status()`.
- Telemetry topic `drum`: link_state (connected/searching/disconnected; silent: the open port's board
  stopped answering, see `silence`; refused: it speaks a protocol we do not know), port, firmware,
  heartbeat_age_ms, errors, dropped_notes, reboots, motors[] (motor, voice, last_hit, hits_per_min,
  refused, strikes, latency_ms), board (the firmware's own counters).

Modules: `protocol` (the byte table, mirrored from firmware/drumbridge/src/protocol.h), `config` (`[drum]`),
`ports` (find/open the serial port), `transport` (reader/writer threads, reconnect), `silence` (the reply
timeout), `drum` (the component: notes to strikes), `board` (the conversation with the board: hello,
boot, calibration push, heartbeat, refusal), `motor_state` (what the host knows per motor), `rig` (the
drum.* commands), `client` (blocking request/reply for `drumbridge drum`), `sim` (the simavr simulator).
"""
