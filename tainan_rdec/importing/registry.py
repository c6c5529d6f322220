"""The table of registers (名冊): name → the resource that imports and exports it.

A register is added where its resource is written, in the app's ``resources.py``::

    @register("awards", label=_("獎項"), order=90)
    class AwardResource(RegisterResource):
        ...

The kernel never imports a domain app at import time: the first lookup imports every installed
app's ``resources`` module (as the admin site does with ``admin``), and each decorator adds its
row here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Register:
    """One importable and exportable register, e.g. ``projects`` (列管案件)."""

    name: str
    label: str
    resource_class: type
    order: int = 100

    @property
    def model(self):
        return self.resource_class._meta.model

    def resource(self, user=None, **kwargs):
        return self.resource_class(user=user, **kwargs)


class UnknownRegister(LookupError):
    """A register name nobody registered; the message lists the ones that exist."""


_registers: dict[str, Register] = {}
_discovered = False


def register(name: str, *, label, order: int = 100):
    """Class decorator: make ``name`` import and export through the decorated resource."""

    def decorator(resource_class):
        existing = _registers.get(name)
        if existing is not None and existing.resource_class.__qualname__ != (
            resource_class.__qualname__
        ):
            raise ValueError(f"register {name!r} is already taken by {existing.resource_class}")
        resource_class.register_name = name
        resource_class.register_label = label
        _registers[name] = Register(name, label, resource_class, order)
        return resource_class

    return decorator


def _discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("resources")
        _discovered = True


def all_registers() -> list[Register]:
    _discover()
    return sorted(_registers.values(), key=lambda r: (r.order, r.name))


def get_register(name: str) -> Register:
    _discover()
    try:
        return _registers[name]
    except KeyError:
        known = ", ".join(r.name for r in all_registers())
        raise UnknownRegister(f"unknown register {name!r}; known registers: {known}") from None


def register_for_model(model) -> Register | None:
    """The register whose rows are ``model`` rows (the admin's import page finds it so)."""
    for entry in all_registers():
        if entry.model is model:
            return entry
    return None
