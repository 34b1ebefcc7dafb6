"""Operating a deployed kiosk or central server: backups, restores, `kiosk doctor`'s health checks."""
