"""The central store at the street office and the nightly sync of kiosks with it."""
