"""The real parts wired together: a responder's answer notes reach OSC once each, and each fires its note cue once.

A real Responder (toy model, virtual worker) on a show with an OSC target that sends "notes" and a
note cue on the responder's answers; oscdump receives over real UDP.
"""

from __future__ import annotations

from tests.responders.fakes import ToyDrums
from tests.responders.rig import make_rig, note, set_text
from tests.rig.oscdump import OscDump


def test_every_answer_note_goes_out_once_and_fires_its_cue_once(oscdump: OscDump) -> None:
    text = set_text(seed=3, call_bars=1, answer_bars=1) + f"""
[[osc.targets]]
name = "vj"
host = "127.0.0.1"
port = {oscdump.port}
send = ["notes", "cue"]

[[osc.cues]]
name = "kick"
note = {{ source = "drums", notes = [36, 36] }}
args = [{{ map = "note" }}]
"""
    rig = make_rig(text, generators={"test:toy": ToyDrums})
    # a one-bar call of kicks (bar 1), answered on bar 2; then idle
    rig.run(12.0, [e for b in (0.0, 1.0, 2.0, 3.0) for e in note(b, pitch=36)])
    answered = [pitch for _beat, pitch in rig.note_ons()]
    assert answered, "the responder did not answer"
    kicks = answered.count(36)
    oscdump.wait_for(len(answered) + 1, "/drumbridge/responder/drums/note", timeout=1.0)  # one too many, if any
    notes = oscdump.messages("/drumbridge/responder/drums/note")
    assert [m.args[0] for m in notes] == answered
    cues = oscdump.wait_for(kicks + 1, "/drumbridge/cue/kick", timeout=0.5)
    assert [m.args for m in cues] == [(36,)] * kicks
