"""OSC out to the video machines (VDMX & co) and OSC control in."""
