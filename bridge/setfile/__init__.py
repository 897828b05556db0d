"""Set files (`live_sets/*.toml`): one show per file, loaded into frozen, validated models."""

from bridge.setfile.load import SetFileError, load_set, parse_set
from bridge.setfile.models import ShowConfig

__all__ = ["SetFileError", "ShowConfig", "load_set", "parse_set"]
