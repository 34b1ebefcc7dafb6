"""Modal dialogs that return a typed result to the screen that opened them."""
