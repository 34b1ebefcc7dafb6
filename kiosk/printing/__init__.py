"""Receipts and hand-over slips: their content, their ESC/POS bytes, the printers and previews."""
