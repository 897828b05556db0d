"""The real test rig: a private JACK server, an oscdump receiver, socat serial cables."""
