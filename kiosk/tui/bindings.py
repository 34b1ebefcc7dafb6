"""Key bindings shown in the operator's language: a Binding's id names its label and tooltip."""

from __future__ import annotations

from dataclasses import replace

from textual.dom import DOMNode

from kiosk.tui.texts import text

# A key that a message on another screen names: the binding and the words share it, so the
# message can never send the shopkeeper to a key that does something else.
RESTOCK_KEY = "f4"  # the deadline board: goods delivered to the shop


def key_name(key: str) -> str:
    """A key as a person reads it on the keyboard: "f4" -> "F4"."""
    return key.upper() if len(key) <= 3 else key.capitalize()


def localize_bindings(node: DOMNode, language: str) -> None:
    """Fill each binding's footer label and tooltip from `kiosk.tui.texts` (`key.<id>`, `key.<id>.tip`).

    Bindings are declared once with an id; Textual copies a class's bindings into every
    instance, so replacing them on the instance changes the footer of that screen only.
    """
    key_to_bindings = node._bindings.key_to_bindings
    for key, bindings in key_to_bindings.items():
        key_to_bindings[key] = [
            replace(
                binding,
                description=text(f"key.{binding.id}", language),
                tooltip=text(f"key.{binding.id}.tip", language),
            )
            if binding.id
            else binding
            for binding in bindings
        ]
