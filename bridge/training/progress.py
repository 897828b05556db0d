"""The training progress bar: steps, loss, validation loss and time left, from the trainer's JSON events."""

from __future__ import annotations

from typing import TextIO


def format_seconds(seconds: float | None) -> str:
    """'1:02:03' / '4:05' for a duration, '?' when unknown."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "?"
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def render(event: dict, width: int = 24) -> str:
    """One progress line for a trainer 'progress' event."""
    step, steps = int(event.get("step", 0)), max(int(event.get("steps", 1)), 1)
    filled = min(width, int(width * step / steps))
    loss, val = event.get("loss"), event.get("val_loss")
    parts = [f"[{'#' * filled}{'.' * (width - filled)}] step {step}/{steps}",
             f"loss {loss:.3f}" if loss is not None else "loss -",
             f"val {val:.3f}" if val is not None else "val -",
             f"{format_seconds(event.get('eta'))} left"]
    return "  ".join(parts)


class ProgressPrinter:
    """Shows trainer events on a stream: a live bar on a terminal, one line per evaluation otherwise."""

    def __init__(self, stream: TextIO, live: bool | None = None) -> None:
        self.stream = stream
        self.live = stream.isatty() if live is None else live
        self._last: dict | None = None

    def _line(self, text: str) -> None:
        if self.live and self._last is not None:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")
        if self.live and self._last is not None:
            self.stream.write(render(self._last))
        self.stream.flush()

    def handle(self, event: dict) -> None:
        """Render one trainer event."""
        kind = event.get("event")
        if kind == "progress":
            self._last = event
            if self.live:
                self.stream.write("\r\033[K" + render(event))
                self.stream.flush()
        elif kind == "eval":
            best = event.get("best_val")
            text = f"eval at step {event['step']}: validation loss {event['val_loss']:.4f} per step"
            if best is not None:
                text += f" (best {best:.4f} at step {event.get('best_step', event['step'])})"
            if not self.live and self._last is not None:
                text = render(self._last) + " | " + text
            self._line(text)
        elif kind == "data":
            self._line(f"{event['split']}: {event['files']} files -> {event['tracks']} drum tracks, "
                       f"{event['steps']} steps ({event['skipped']} skipped)")
        elif kind == "resumed":
            self._line(f"resuming from step {event['step']}")
        elif kind in ("stopped", "warning", "skip", "error"):
            detail = event.get("reason") or event.get("message") or f"{event.get('file')}: {event.get('reason')}"
            self._line(f"{kind}: {detail}")
        elif kind == "done":
            if self.live:
                self.stream.write("\n")
            self._line(f"wrote {event['out']} (best validation loss {event['best_val']:.4f} at step "
                       f"{event['best_step']}, {event['steps']} steps, {format_seconds(event['elapsed'])})")
