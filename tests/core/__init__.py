"""Tests of the points core: rules, catalogue, ledger services, the `kiosk` command and cards."""
