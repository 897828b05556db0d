"""Magenta drums_rnn / melody_rnn models in numpy: read `.mag` bundles without TensorFlow, stream, sample.

Supported generators: drums_rnn `drum_kit`, `one_drum`; melody_rnn `basic_rnn`, `lookback_rnn`,
`attention_rnn`; both checkpoint layouts (attention wrapper on the first cell, Magenta 2.1.x; or
around the whole multi-cell, the published bundles). Loading never imports TensorFlow.

Events are Magenta's: drums are `frozenset` of MIDI pitches (empty = rest); melodies are ints
(-2 no event / hold, -1 note off, 0..127 note on). One event per step (16ths for 4 steps per
quarter; one_drum uses 2 steps per quarter as in Magenta).

API (what the responders use)::

    from bridge.models import Model
    model = Model.load("drum_kit_rnn.mag")        # once; BundleError says what is wrong
    s = model.session()                            # zero state; start feeding on a bar boundary
    for event in call_events:                      # as the call is played, one step at a time
        s.feed(event)
    branch = s.clone()                             # snapshot: several answers from one call
    rng = np.random.default_rng(seed)
    first = s.sample(rng, temperature=1.0)         # next step, ready as soon as the call ends
    s.advance()                                    # optional: run the network for it now (else lazily)
    rest = s.sample_steps(31, rng, 1.0, deadline=t, clock=clock)   # Generation(events, complete)
    s.log_probs()                                  # next-event log-probabilities (per class)

    model.generate(primer, 32, temperature, seed, deadline=None)  # one-shot (melodies squashed/unsquashed)
    model.score(events)                            # Score(log_likelihood, step_log_probs, transpose)

Event/MIDI helpers (`bridge.models.sequences`, `bridge.models.encodings`, `bridge.models.melodies`):
`read_midi`, `extract_drums`, `extract_melody`, `read_track` (what Magenta's generator extracts
from a primer file), `plan_generation` (Magenta's primer/length rounding), `events_to_midi`,
`DEFAULT_DRUM_TYPE_PITCHES` / `DRUM_CLASS_NAMES` (drum pitch classes; a decoded hit plays the first
pitch of its class), `drum_event_from_pitches`, `melody_events_from_notes`, `squash`, `fold_pitch`.
Sampling is softmax(logits / temperature) drawn with the given numpy Generator: same seed, same
answer. Session feeding folds melody pitches by octaves into the model range instead of failing.
"""

from __future__ import annotations

from bridge.models.encodings import DEFAULT_DRUM_TYPE_PITCHES, DRUM_CLASS_NAMES, NO_EVENT, NOTE_OFF
from bridge.models.errors import BundleError, ModelError, SequenceError, UnsupportedModelError
from bridge.models.model import Model, Score
from bridge.models.session import Generation, Session

__all__ = [
    "DEFAULT_DRUM_TYPE_PITCHES", "DRUM_CLASS_NAMES", "NO_EVENT", "NOTE_OFF",
    "BundleError", "ModelError", "SequenceError", "UnsupportedModelError",
    "Model", "Score", "Generation", "Session",
]
