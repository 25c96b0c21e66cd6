"""Find an event's class by its name without walking every Event subclass each time.

Rasa 3.6's ``Event.resolve_by_type`` lists all subclasses of ``Event`` recursively (checking each
for abstractness) for every event it reads back from the tracker store, and a turn reads back the
whole session: the load benchmark's profile showed 15% of the Rasa server's CPU there. Here the
name-to-class table is kept; a name not in it (an event class defined after the table was
built, or an unknown name) goes to Rasa's own lookup, which refreshes the table or raises as
before.
"""

from typing import Dict, Optional, Text, Type

from rasa.shared.core.events import Event

_rasa_resolve_by_type = Event.resolve_by_type
_classes: Dict[Text, Type[Event]] = {}


def _refresh() -> None:
    from rasa.shared.utils.common import all_subclasses

    _classes.clear()
    for cls in all_subclasses(Event):  # Rasa's order: the first class with a name wins
        _classes.setdefault(cls.type_name, cls)


def resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    """``Event.resolve_by_type``, from the table."""
    found = _classes.get(type_name)
    if found is not None:
        return found
    _refresh()
    return _classes.get(type_name) or _rasa_resolve_by_type(type_name, default)


def apply() -> None:
    from compat.versions import RASA, written_for

    written_for(RASA, __name__)
    Event.resolve_by_type = staticmethod(resolve_by_type)
