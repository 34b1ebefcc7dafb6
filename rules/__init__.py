"""The street office's positive and negative lists as versioned data, and the pure points engine."""
