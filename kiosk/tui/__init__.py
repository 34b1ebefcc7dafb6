"""The Textual kiosk app: a thin shell over the core's service functions."""
