"""The points core: data model, ledger and service functions, free of any user interface."""
