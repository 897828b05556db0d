"""The [osc] table: what a set file can say about targets, sections, cues and control, and how mistakes read."""

from __future__ import annotations

import re

import pytest

from bridge.osc.config import OscConfig
from bridge.setfile import SetFileError, parse_set
from bridge.setfile.models import OscTargetConfig

GOOD = """
[[osc.targets]]
name = "vdmx"
host = "127.0.0.1"
port = 1234
[[osc.targets]]
name = "stage-left"
host = "video2.local"
port = 9000
prefix = "/db"
latency_ms = 40
send = ["clock", "cue", "notes"]
bundles = true
[[osc.sections]]
name = "chorus"
starts = [17, 49]
bars = 8
[[osc.cues]]
name = "chorus_in"
at = { section = "chorus", bar = 1 }
args = [1, 0.5, "on", true]
[[osc.cues]]
name = "kick_flash"
targets = ["vdmx"]
note = { source = "drumbridge drums in", notes = [36, 36], velocity = [100, 127] }
args = [{ map = "velocity", to = [0.0, 1.0] }]
[[osc.cues]]
name = "answering"
address = "/layer/2/opacity"
state = { responder = "drums", states = ["responding"] }
args = [{ map = "state", values = { responding = 1.0 }, default = 0.0 }]
[osc.listen]
port = 9001
oscquery_port = 9002
"""


def test_a_full_osc_table_loads() -> None:
    osc = parse_set(GOOD).osc
    assert [t.name for t in osc.targets] == ["vdmx", "stage-left"]
    assert osc.targets[0].send == ("clock", "drum", "responder", "cue") and not osc.targets[0].bundles
    assert osc.targets[1].send == ("clock", "cue", "notes") and osc.targets[1].bundles
    assert osc.cues[0].osc_address == "/cue/chorus_in"
    assert osc.cues[2].osc_address == "/layer/2/opacity"
    assert osc.listen is not None and osc.listen.host == "127.0.0.1"  # localhost unless opened explicitly
    assert OscTargetConfig is type(osc.targets[0])  # still importable from the set-file models


def test_no_listen_table_means_no_control_port() -> None:
    assert OscConfig().listen is None


def test_listen_on_localhost_is_the_loopback_address() -> None:
    assert parse_set('[osc.listen]\nhost = "localhost"').osc.listen.host == "127.0.0.1"


@pytest.mark.parametrize(("snippet", "expected"), [
    ('[[osc.cues]]\nname = "x"\nat = { bar = 1 }\nnote = { source = "*" }', "give one trigger, not at and note"),
    ('[[osc.cues]]\nname = "x"\nat = { section = "bridge" }', "unknown section 'bridge'"),
    ('[[osc.cues]]\nname = "x"\ntargets = ["nope"]', "unknown target(s) nope"),
    ('[[osc.cues]]\nname = "x"\nnote = { notes = [60, 40] }', "osc.cues.x.note.notes"),
    ('[[osc.cues]]\nname = "x"\nat = { bar = 5, until_bar = 2 }', "until_bar (2) is before bar (5)"),
    ('[[osc.cues]]\nname = "bad name"', "osc.cues[0].name"),
    ('[[osc.cues]]\nname = "x"\nargs = [{ map = "colour" }]', "osc.cues.x.args[0]"),
    ('[[osc.targets]]\nname = "a"\nhost = "h"\nport = 1\nsend = ["video"]', "osc.targets.a.send[0]"),
    ('[[osc.targets]]\nname = "a"\nhost = "h"\nport = 1\n[[osc.targets]]\nname = "a"\nhost = "h"\nport = 2',
     "target names must be unique; repeated: a"),
    ('[osc.listen]\nport = 0', "osc.listen.port"),
    ('[osc.listen]\nhots = "0.0.0.0"', "osc.listen.hots: unknown key"),
    ('[osc.listen]\nhost = "stage.local"', "osc.listen.host: value error, must be an IP address"),
])
def test_mistakes_name_the_key(snippet: str, expected: str) -> None:
    with pytest.raises(SetFileError) as error:
        parse_set(snippet, "show.toml")
    assert expected in str(error.value)
    assert re.match(r"show\.toml:\d+: ", str(error.value))  # with the line number
