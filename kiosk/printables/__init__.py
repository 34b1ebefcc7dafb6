"""Printable artefacts of the points scheme: household cards, the quarterly notice and QR reading."""
