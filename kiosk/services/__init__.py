"""The service path every front end calls (the app, the CLI, the central's pages).

Composite actions that span the domain and printing in one transaction (a redemption with
its receipt queued, a hand-over with its slip), and the reads that screens and commands
share (household search, open lines, which exchange point this kiosk is). Nothing here
imports Textual or the CLI; nothing below imports this.
"""
