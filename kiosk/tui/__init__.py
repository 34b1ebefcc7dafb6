"""The Textual kiosk app: a thin shell over the core's service functions."""

import os

# Pinyin initials of catalogue items and household heads need pypinyin's single-character
# table only; its phrase table costs ~45 MB and ~0.2 s at start on a kiosk mini-PC, and
# gives the same initials for the catalogue and the names of the demo data.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")
