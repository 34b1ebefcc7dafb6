"""The exchange-point kiosk of the Tangxiang street village governance points scheme."""
