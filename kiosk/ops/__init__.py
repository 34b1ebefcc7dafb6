"""Operating a deployed kiosk or central server: backups, restores and other chores of the units."""
