"""What the domain apps contribute to the kernel, without the kernel importing them: home-page
cards, menu items, demo seeders and the parts of the executive briefing.

Each app registers its cards in ``AppConfig.ready()``; the home view asks the registry for the
cards a user's role should see. A card is a function ``(request) -> dict | None`` returning the
context for ``template`` (``None`` hides the card).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class HomeCard:
    key: str
    title: str
    template: str
    roles: frozenset[str]
    build: Callable
    order: int = 100


_cards: dict[str, HomeCard] = {}


def register_home_card(
    key: str, *, title, template: str, roles: Iterable[str], build: Callable, order: int = 100
) -> None:
    _cards[key] = HomeCard(key, title, template, frozenset(roles), build, order)


def cards_for(request) -> list[dict]:
    user = request.user
    result = []
    for card in sorted(_cards.values(), key=lambda c: (c.order, c.key)):
        if not (user.is_superuser or user.role in card.roles):
            continue
        context = card.build(request)
        if context is not None:
            result.append({"card": card, "context": context})
    return result


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    roles: frozenset[str]
    order: int = 100


_nav: dict[str, NavItem] = {}


def register_nav_item(key: str, *, label, url_name: str, roles: Iterable[str], order: int = 100):
    _nav[key] = NavItem(key, label, url_name, frozenset(roles), order)


def nav_items_for(user) -> list[NavItem]:
    return [
        item
        for item in sorted(_nav.values(), key=lambda i: (i.order, i.key))
        if user.is_superuser or user.role in item.roles
    ]


_demo_seeders: dict[str, tuple[tuple[str, ...], Callable]] = {}


def register_demo_seeder(key: str, seeder: Callable, *, after: Iterable[str] = ()) -> None:
    """``seeder(stdout, **options)`` adds an app's demo data; it runs after the demo users exist
    and must be idempotent (``seed_demo`` is re-run freely). ``options`` are the command's
    options for the apps (e.g. ``petitions``: how many demo cases to generate); a seeder ignores
    the ones it does not know. ``after`` names the seeders whose data this one reads (e.g. the
    service evaluation reads the petition cases): they run first."""
    _demo_seeders[key] = (tuple(after), seeder)


def demo_seeders() -> list[tuple[str, Callable]]:
    """The seeders in an order that runs each after the ones it names (else by key)."""
    ordered: list[tuple[str, Callable]] = []
    done: set[str] = set()

    def visit(key: str, path: tuple[str, ...] = ()) -> None:
        if key in done or key not in _demo_seeders:
            return
        if key in path:
            raise ValueError(f"demo seeders depend on each other in a loop: {(*path, key)}")
        after, seeder = _demo_seeders[key]
        for before in sorted(after):
            visit(before, (*path, key))
        done.add(key)
        ordered.append((key, seeder))

    for key in sorted(_demo_seeders):
        visit(key)
    return ordered


@dataclass(frozen=True)
class BriefingPart:
    key: str
    section: str
    build: Callable
    order: int = 100


_briefing_parts: dict[str, BriefingPart] = {}


def register_briefing_part(key: str, *, section: str, build: Callable, order: int = 100) -> None:
    """An app's contribution to a chapter of the executive briefing (業務簡報):
    ``build(span) -> list[tainan_rdec.briefing.content.Part]`` for the ROC years of ``span``,
    computed with the functions the app's dashboards use. ``section`` is a
    ``BriefingSection`` value; within a section, parts come in ``order``."""
    _briefing_parts[key] = BriefingPart(key, section, build, order)


def briefing_parts() -> list[BriefingPart]:
    return sorted(_briefing_parts.values(), key=lambda p: (p.order, p.key))
