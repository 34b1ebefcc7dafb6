"""The kiosk's one keymap (each key means one thing on every screen), bindings made from it,
their labels in the operator's language, and the keys a screen answers to (its F1 help).

A binding is declared by its id (`bind("approve", "approve")`): the key comes from the
keymap, so two screens cannot give one key two meanings, and a message that names a key
takes it from the same table (`KEY`, the `{key_<meaning>}` placeholders of
`kiosk.tui.texts`), so words and bindings never disagree. docs/keys.md is this table in words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from textual.binding import Binding

if TYPE_CHECKING:
    from textual.dom import DOMNode


@dataclass(frozen=True)
class Meaning:
    """What a key means everywhere (`id`, the text key "keymap.<id>") and the bindings that
    carry that meaning on some screen (their ids, the text keys "key.<id>")."""

    id: str
    bindings: tuple[str, ...]


# Key -> its one meaning. A binding id listed under a key is bound to that key only.
KEYMAP: dict[str, Meaning] = {
    "f1": Meaning("help", ("help",)),
    # Find or narrow what the screen lists: the search box, the filters, which disputes.
    "f2": Meaning("find", ("find", "filter", "find-item", "show-all")),
    "f3": Meaning("menu", ("menu",)),
    # Record something new: a declaration, a dispute, goods delivered.
    "f4": Meaning("record", ("file-declaration", "raise-dispute", "restock")),
    "f5": Meaning("redeem", ("redeem",)),
    # A copy on paper or in a file of what is shown.
    "f6": Meaning("print_copy", ("reprint", "export")),
    "f7": Meaning("receipts", ("receipts", "order-receipt")),
    "f8": Meaning("retry_print", ("retry-print",)),
    # The decision that refuses or undoes: reject a declaration, uphold an entry (refuse the
    # objection), lift a freeze, cancel a line.
    "f9": Meaning("refuse", ("reject", "uphold", "lift", "cancel-line")),
    # The screen's one doing action; those that change points or freezes ask first.
    "f10": Meaning(
        "do", ("confirm-order", "award", "approve", "correct", "freeze", "deliver", "save")
    ),
    "f11": Meaning("full_name", ("show-name",)),
    "f12": Meaning("demo_scan", ("demo-scan",)),
    "ctrl+r": Meaning("refresh", ("refresh",)),
    "ctrl+l": Meaning("sign_out", ("sign-out",)),
    "ctrl+q": Meaning("quit", ("quit",)),
    "space": Meaning("toggle", ("pick-line", "hand-over")),
    "plus": Meaning("more", ("more",)),
    "minus": Meaning("less", ("less",)),
    "delete": Meaning("remove", ("remove",)),
    "enter": Meaning("choose", ("confirm", "submit")),
    "escape": Meaning("back", ("back", "cancel", "clear-search")),
    "tab": Meaning("next_field", ("next-field",)),
    "up": Meaning("move", ("move",)),
    "down": Meaning("move", ("move",)),
    "left": Meaning("move", ("switch",)),
    "right": Meaning("move", ("switch",)),
}

# Meaning -> the key that carries it (the first, for the arrows that share one).
KEY: dict[str, str] = {}
for _key, _meaning in KEYMAP.items():
    KEY.setdefault(_meaning.id, _key)

# Binding id -> the keys it is bound to.
KEYS_OF: dict[str, tuple[str, ...]] = {}
for _key, _meaning in KEYMAP.items():
    for _id in _meaning.bindings:
        KEYS_OF[_id] = (*KEYS_OF.get(_id, ()), _key)

# A key that a message on another screen names (the hand-over screen's "no stock").
RESTOCK_KEY = KEY["record"]

_KEY_NAMES = {
    "escape": "Esc",
    "enter": "Enter",
    "tab": "Tab",
    "delete": "Delete",
    "plus": "+",
    "minus": "-",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
}


def key_name(key: str, language: str = "zh") -> str:
    """A key as a person reads it on the keyboard: "f4" -> "F4", "ctrl+r" -> "Ctrl+R"."""
    if key == "space":
        return "空格" if language == "zh" else "Space"
    if key in _KEY_NAMES:
        return _KEY_NAMES[key]
    if key.startswith("ctrl+"):
        return "Ctrl+" + key_name(key.removeprefix("ctrl+"), language)
    return key.upper()


def key_params(language: str) -> dict[str, str]:
    """`{key_<meaning>}` -> the key's name, for every text that names a key."""
    return {f"key_{meaning}": key_name(key, language) for meaning, key in KEY.items()}


def bind(binding_id: str, action: str, *, show: bool = True, priority: bool = False) -> Binding:
    """The binding `binding_id` on the key the keymap gives it (both keys for the arrows)."""
    return Binding(
        ",".join(KEYS_OF[binding_id]),
        action,
        binding_id,
        id=binding_id,
        tooltip=binding_id,
        show=show,
        priority=priority,
    )


def localize_bindings(node: DOMNode, words: Callable[[str], str], language: str) -> None:
    """Fill each binding's footer label and tooltip from `words` (`key.<id>`, `key.<id>.tip`),
    and its key as the help and the messages name it (F10, Ctrl+R, 空格; not f10, ^r, space).

    Bindings are declared once with an id; Textual copies a class's bindings into every
    instance, so replacing them on the instance changes the footer of that screen only.
    `words` is the texts' lookup in the operator's language (the texts name keys from this
    module, so it cannot import them).
    """
    key_to_bindings = node._bindings.key_to_bindings
    for key, bindings in key_to_bindings.items():
        key_to_bindings[key] = [
            replace(
                binding,
                description=words(f"key.{binding.id}"),
                tooltip=words(f"key.{binding.id}.tip"),
                key_display=key_name(key, language),
            )
            if binding.id
            else binding
            for binding in bindings
        ]


@dataclass(frozen=True)
class KeyRow:
    """One line of a screen's help: the keys of one binding id."""

    keys: tuple[str, ...]
    binding_id: str


def active_keys(nodes: Iterable[DOMNode], widget_keys: Iterable[str] = ()) -> list[KeyRow]:
    """The keys a screen answers to, in keymap order: the bindings of `nodes` (the screen,
    then the app) that the node does not switch off (`check_action` False; None, shown but
    idle for now, still counts), and `widget_keys`, the binding ids of keys its widgets
    handle themselves (Enter in a field, the arrows in a list, Tab). A key bound by the
    screen hides the app's binding of it, as Textual does."""
    by_key: dict[str, str] = {}
    for node in nodes:
        for key, bindings in node._bindings.key_to_bindings.items():
            for binding in bindings:
                if key in by_key or binding.id is None:
                    continue
                if node.check_action(binding.action, ()) is False:
                    continue
                by_key[key] = binding.id
    for binding_id in widget_keys:
        for key in KEYS_OF[binding_id]:
            by_key.setdefault(key, binding_id)
    rows: dict[str, list[str]] = {}
    for key in KEYMAP:
        if key in by_key:
            rows.setdefault(by_key[key], []).append(key)
    return [KeyRow(tuple(keys), binding_id) for binding_id, keys in rows.items()]
