"""Event encodings of the supported Magenta generators: model inputs, class labels, class -> event.

Events are Magenta's: a drum event is a frozenset of MIDI pitches (empty = no hit); a melody event
is an int: -2 = no event (hold or rest), -1 = note off, 0..127 = note on.
Inputs are returned sparse (indices, values): every input vector is one-hot parts plus a few +-1
counters, so the network adds kernel rows instead of multiplying by a mostly-zero vector.

Encoders, as in note_seq 0.0.5:
- OneHotEncoder (one_drum, basic_rnn): input and label are the event's class.
- LookbackEncoder (drum_kit: no lookbacks, 6 counter bits; lookback_rnn: lookbacks 16 and 32, 5 bits):
  input = one-hot(event) + one-hot(event a lookback ahead of the repeat) per lookback +
  binary counter of position+1 (+1/-1 bits) + "repeats lookback" flags. Labels prefer repeat
  classes; a no-event in the first 32 steps is labelled with the last repeat class (Magenta quirk).
- KeyMelodyEncoder (attention_rnn): current note, note/silence, attack, ascending, lookback flags,
  7-bit counter, bar start, key estimates of the whole melody and of its last 3 notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from bridge.models.errors import SequenceError

NO_EVENT = -2
NOTE_OFF = -1
STEPS_PER_BAR = 16  # Magenta's DEFAULT_STEPS_PER_BAR: lookbacks and bar flags use it whatever the resolution
DEFAULT_LOOKBACKS = (STEPS_PER_BAR, 2 * STEPS_PER_BAR)
MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)

# Magenta's DEFAULT_DRUM_TYPE_PITCHES: kick, snare, closed hi-hat, open hi-hat, low tom, mid tom,
# high tom, crash, ride. The first pitch of each class is the one a decoded event plays.
DEFAULT_DRUM_TYPE_PITCHES: tuple[tuple[int, ...], ...] = (
    (36, 35),
    (38, 27, 28, 31, 32, 33, 34, 37, 39, 40, 56, 65, 66, 75, 85),
    (42, 44, 54, 68, 69, 70, 71, 73, 78, 80, 22),
    (46, 67, 72, 74, 79, 81, 26),
    (45, 29, 41, 43, 61, 64, 84),
    (48, 47, 60, 63, 77, 86, 87),
    (50, 30, 62, 76, 83),
    (49, 52, 55, 57, 58),
    (51, 53, 59, 82),
)
DRUM_CLASS_NAMES = ("kick", "snare", "closed_hihat", "open_hihat", "low_tom", "mid_tom", "high_tom", "crash", "ride")
# one_drum: every pitch is one drum; decoded hits play 39 (hand clap).
ONE_DRUM_PITCHES: tuple[tuple[int, ...], ...] = ((39,) + tuple(range(0, 39)) + tuple(range(39, 128)),)

# NOTE_KEYS as a matrix: KEY_MATRIX[pitch class, key] = 1 when the pitch class is in that major key.
KEY_MATRIX = np.array([[1.0 if (n - k) % 12 in MAJOR_SCALE else 0.0 for k in range(12)] for n in range(12)])

Event = Any  # frozenset[int] for drums, int for melodies


class DrumOneHot:
    """A drum event as a bit set of drum classes (2**classes one-hot classes); unknown pitches are ignored."""

    def __init__(self, drum_type_pitches: Sequence[Sequence[int]]) -> None:
        self.drum_type_pitches = tuple(tuple(p) for p in drum_type_pitches)
        self.pitch_class: dict[int, int] = {}
        for index, pitches in enumerate(self.drum_type_pitches):
            for pitch in pitches:
                self.pitch_class.setdefault(pitch, index)
        self.num_classes = 2 ** len(self.drum_type_pitches)
        self.default_event: Event = frozenset()

    def encode(self, event: Event) -> int:
        """Class index of a set of pitches."""
        index = 0
        for pitch in event:
            drum = self.pitch_class.get(pitch)
            if drum is not None:
                index |= 1 << drum
        return index

    def decode(self, index: int) -> Event:
        """The set of pitches (first pitch of each drum class) for a class index."""
        return frozenset(p[0] for i, p in enumerate(self.drum_type_pitches) if index >> i & 1)


class MelodyOneHot:
    """0 = no event, 1 = note off, 2.. = note on for pitches in [min_note, max_note)."""

    def __init__(self, min_note: int, max_note: int) -> None:
        self.min_note = min_note
        self.max_note = max_note
        self.num_classes = max_note - min_note + 2
        self.default_event: Event = NO_EVENT

    def encode(self, event: Event) -> int:
        """Class index of a melody event; pitches outside the range are an error (squash first)."""
        if event < 0:
            if event < NO_EVENT:
                raise SequenceError(f"invalid melody event {event}")
            return event + 2
        if not self.min_note <= event < self.max_note:
            raise SequenceError(f"melody pitch {event} is outside the model range [{self.min_note}, {self.max_note})")
        return event - self.min_note + 2

    def decode(self, index: int) -> Event:
        """The melody event of a class index."""
        return index - 2 if index < 2 else index - 2 + self.min_note


def _counter(n: int, bits: int) -> list[float]:
    return [1.0 if (n >> i) & 1 else -1.0 for i in range(bits)]


class OneHotEncoder:
    """Input and label are the event's one-hot class."""

    def __init__(self, one_hot: DrumOneHot | MelodyOneHot) -> None:
        self.one_hot = one_hot
        self.input_size = one_hot.num_classes
        self.num_classes = one_hot.num_classes
        self.default_event = one_hot.default_event

    def new_state(self) -> Any:
        """Per-stream encoder state (none needed)."""
        return None

    def copy_state(self, state: Any) -> Any:
        """Copy of a per-stream encoder state."""
        return state

    def input(self, events: Sequence[Event], state: Any) -> tuple[np.ndarray, np.ndarray]:
        """Sparse input for the last event of `events`."""
        return np.array([self.one_hot.encode(events[-1])]), np.ones(1, np.float32)

    def label(self, events: Sequence[Event], position: int) -> int:
        """Class label of the event at `position`."""
        return self.one_hot.encode(events[position])

    def decode(self, class_index: int, events: Sequence[Event]) -> Event:
        """The event a sampled class stands for, given the events so far."""
        return self.one_hot.decode(class_index)


class LookbackEncoder:
    """Magenta's LookbackEventSequenceEncoderDecoder."""

    def __init__(self, one_hot: DrumOneHot | MelodyOneHot, lookbacks: Sequence[int], counter_bits: int) -> None:
        self.one_hot = one_hot
        self.lookbacks = tuple(lookbacks)
        self.counter_bits = counter_bits
        k = one_hot.num_classes
        self.input_size = k + len(self.lookbacks) * k + counter_bits + len(self.lookbacks)
        self.num_classes = k + len(self.lookbacks)
        self.default_event = one_hot.default_event

    def new_state(self) -> Any:
        """Per-stream encoder state (none needed: lookbacks read the event history)."""
        return None

    def copy_state(self, state: Any) -> Any:
        """Copy of a per-stream encoder state."""
        return state

    def input(self, events: Sequence[Event], state: Any) -> tuple[np.ndarray, np.ndarray]:
        """Sparse input for the last event of `events`."""
        position = len(events) - 1
        k = self.one_hot.num_classes
        idx = [self.one_hot.encode(events[position])]
        for i, distance in enumerate(self.lookbacks):
            ahead = position - distance + 1
            event = self.one_hot.default_event if ahead < 0 else events[ahead]
            idx.append(k * (i + 1) + self.one_hot.encode(event))
        vals = [1.0] * len(idx)
        offset = k * (len(self.lookbacks) + 1)
        idx.extend(range(offset, offset + self.counter_bits))
        vals.extend(_counter(position + 1, self.counter_bits))
        offset += self.counter_bits
        for i, distance in enumerate(self.lookbacks):
            back = position - distance
            if back >= 0 and events[position] == events[back]:
                idx.append(offset + i)
                vals.append(1.0)
        return np.array(idx), np.array(vals, np.float32)

    def label(self, events: Sequence[Event], position: int) -> int:
        """Class label of the event at `position` (repeat classes first, Magenta's early no-event quirk)."""
        k = self.one_hot.num_classes
        if self.lookbacks and position < self.lookbacks[-1] and events[position] == self.one_hot.default_event:
            return k + len(self.lookbacks) - 1
        for i in reversed(range(len(self.lookbacks))):
            back = position - self.lookbacks[i]
            if back >= 0 and events[position] == events[back]:
                return k + i
        return self.one_hot.encode(events[position])

    def decode(self, class_index: int, events: Sequence[Event]) -> Event:
        """The event a sampled class stands for, given the events so far."""
        k = self.one_hot.num_classes
        if class_index >= k:
            distance = self.lookbacks[class_index - k]
            return events[-distance] if len(events) >= distance else self.one_hot.default_event
        return self.one_hot.decode(class_index)


class _KeyState:
    """Running summary of a melody for KeyMelodyEncoder inputs."""

    __slots__ = ("current", "attack", "ascending", "last3", "counts")

    def __init__(self) -> None:
        self.current: int | None = None
        self.attack = False
        self.ascending: bool | None = None
        self.last3: list[int] = []
        self.counts = np.zeros(12)

    def copy(self) -> _KeyState:
        other = _KeyState()
        other.current, other.attack, other.ascending = self.current, self.attack, self.ascending
        other.last3 = list(self.last3)
        other.counts = self.counts.copy()
        return other

    def push(self, note: int) -> None:
        if note == NO_EVENT:
            self.attack = False
        elif note == NOTE_OFF:
            self.current = None
        else:
            self.attack = True
            self.current = note
            if self.last3:
                if note > self.last3[-1]:
                    self.ascending = True
                if note < self.last3[-1]:
                    self.ascending = False
            if note in self.last3:
                self.last3.remove(note)
            self.last3.append(note)
            if len(self.last3) > 3:
                del self.last3[0]
            self.counts[note % 12] += 1


def _top_keys(pitch_class_counts: np.ndarray) -> np.ndarray:
    histogram = pitch_class_counts @ KEY_MATRIX
    return np.flatnonzero(histogram == histogram.max())


class KeyMelodyEncoder:
    """Magenta's KeyMelodyEncoderDecoder (attention_rnn)."""

    def __init__(self, min_note: int, max_note: int, lookbacks: Sequence[int] = DEFAULT_LOOKBACKS,
                 counter_bits: int = 7) -> None:
        self.min_note = min_note
        self.note_range = max_note - min_note
        self.lookbacks = tuple(lookbacks)
        self.counter_bits = counter_bits
        self.input_size = self.note_range + 2 + 1 + 1 + len(self.lookbacks) + counter_bits + 1 + 12 + 12
        self.num_classes = self.note_range + 2 + len(self.lookbacks)
        self.default_event = NO_EVENT
        self.one_hot = MelodyOneHot(min_note, max_note)

    def new_state(self) -> _KeyState:
        """Per-stream running melody summary."""
        return _KeyState()

    def copy_state(self, state: _KeyState) -> _KeyState:
        """Copy of a per-stream encoder state."""
        return state.copy()

    def input(self, events: Sequence[Event], state: _KeyState) -> tuple[np.ndarray, np.ndarray]:
        """Sparse input for the last event of `events`; updates `state` with that event."""
        position = len(events) - 1
        event = events[position]
        if event >= 0:
            self.one_hot.encode(event)  # range check
        state.push(event)
        r = self.note_range
        idx: list[int] = []
        vals: list[float] = []
        if state.current:
            idx += [state.current - self.min_note, r]
        else:
            idx.append(r + 1)
        vals += [1.0] * len(idx)
        offset = r + 2
        if state.attack:
            idx.append(offset)
            vals.append(1.0)
        offset += 1
        if state.ascending is not None:
            idx.append(offset)
            vals.append(1.0 if state.ascending else -1.0)
        offset += 1
        for i, distance in enumerate(self.lookbacks):
            back = position - distance
            if back >= 0 and events[position] == events[back]:
                idx.append(offset + i)
                vals.append(1.0)
        offset += len(self.lookbacks)
        idx.extend(range(offset, offset + self.counter_bits))
        vals.extend(_counter(position + 1, self.counter_bits))
        offset += self.counter_bits
        if (position + 1) % STEPS_PER_BAR == 0:
            idx.append(offset)
            vals.append(1.0)
        offset += 1
        for key in _top_keys(state.counts):
            idx.append(offset + int(key))
            vals.append(1.0)
        offset += 12
        recent = np.zeros(12)
        for note in state.last3:
            recent[note % 12] += 1
        for key in _top_keys(recent):
            idx.append(offset + int(key))
            vals.append(1.0)
        return np.array(idx), np.array(vals, np.float32)

    def label(self, events: Sequence[Event], position: int) -> int:
        """Class label of the event at `position` (Magenta's early no-event quirk included)."""
        r = self.note_range
        event = events[position]
        if position < self.lookbacks[-1] and event == NO_EVENT:
            return r + len(self.lookbacks) + 1
        for i in reversed(range(len(self.lookbacks))):
            back = position - self.lookbacks[i]
            if back >= 0 and event == events[back]:
                return r + 2 + i
        if event == NOTE_OFF:
            return r + 1
        if event == NO_EVENT:
            return r
        return self.one_hot.encode(event) - 2

    def decode(self, class_index: int, events: Sequence[Event]) -> Event:
        """The event a sampled class stands for, given the events so far."""
        r = self.note_range
        if class_index >= r + 2:
            distance = self.lookbacks[class_index - r - 2]
            return events[-distance] if len(events) >= distance else NO_EVENT
        if class_index == r + 1:
            return NOTE_OFF
        if class_index == r:
            return NO_EVENT
        return self.min_note + class_index


Encoder = OneHotEncoder | LookbackEncoder | KeyMelodyEncoder
"""Any of the encoders above (what a generator config makes)."""
