"""The built-in models, shipped as Magenta bundles (see MODEL_CARD.md)."""
