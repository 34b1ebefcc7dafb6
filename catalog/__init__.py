"""The exchange catalogue of 附件3: items, their points, fulfilment class and search."""
