"""Training drum models for drumbridge: data split, baselines, progress, and the TensorFlow trainer.

Only `tf_train` imports TensorFlow/Magenta, and it runs in a separate interpreter (a TF/Magenta
virtualenv) launched by `runner`; nothing else here imports TensorFlow, so `drumbridge run` never does.
Modules:
- `split`: which MIDI files are train / validation / test (Groove MIDI `info.csv` or a stable hash).
- `drumtrack`: MIDI file -> drum_kit events (16th-note steps), the way Magenta 2.1.4 extracts them.
- `baseline`: bar-position unigram baseline and per-step log-likelihood bookkeeping.
- `progress`: the progress bar (steps, loss, validation loss, time left) fed by the trainer's JSON lines.
- `runner`: finds a TF interpreter and runs `tf_train` under it.
- `tf_train`: the trainer itself (TensorFlow 1-style graph built with Magenta's own cell code).
"""
