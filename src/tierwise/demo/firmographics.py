"""Who the demo company's customers are: names, industries, sizes, regions, currencies, roles.

Plain data and small pickers over a seeded :class:`random.Random`, so the same seed always
draws the same customers. The lists are invented for the demo; the shares are chosen so that a
few thousand accounts look like a B2B SaaS customer base (many small teams, a long tail of large
companies, most revenue in North America and Europe).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "CSM_OWNERS",
    "INDUSTRY_ROLES",
    "Firmographics",
    "draw_firmographics",
    "draw_role",
    "size_band",
]

_FIRST = (
    "Amber", "Apex", "Birch", "Blue", "Bright", "Cedar", "Cobalt", "Coral", "Crest", "Delta",
    "Ember", "Evergreen", "Falcon", "Fern", "Granite", "Harbor", "Iron", "Juniper", "Keystone",
    "Lark", "Lumen", "Maple", "Meridian", "Nimbus", "North", "Oak", "Onyx", "Orbit", "Pine",
    "Prism", "Quarry", "Raven", "Ridge", "Sable", "Sage", "Signal", "Silver", "Spruce", "Summit",
    "Tidal", "True", "Vale", "Vector", "Willow", "Zephyr",
)  # fmt: skip
_SECOND = (
    "Labs", "Works", "Health", "Partners", "Studio", "Systems", "Capital", "Media", "Logistics",
    "Analytics", "Foods", "Energy", "Robotics", "Learning", "Clinics", "Bank", "Collective",
    "Dynamics", "Digital", "Group",
)  # fmt: skip

#: Industry → the roles its people mostly have (first is the most common).
INDUSTRY_ROLES: dict[str, tuple[str, ...]] = {
    "software": ("engineer", "project_manager", "designer", "it_admin"),
    "agency": ("agency_ops", "designer", "project_manager", "marketer"),
    "marketing": ("marketer", "project_manager", "designer", "agency_ops"),
    "fintech": ("engineer", "security", "it_admin", "finance"),
    "healthcare": ("operations", "it_admin", "security", "project_manager"),
    "education": ("operations", "project_manager", "it_admin", "designer"),
    "manufacturing": ("operations", "engineer", "project_manager", "finance"),
    "retail": ("operations", "marketer", "project_manager", "finance"),
    "consulting": ("project_manager", "executive", "finance", "operations"),
    "nonprofit": ("operations", "project_manager", "marketer", "finance"),
}
_INDUSTRY_WEIGHTS = (22, 12, 10, 9, 8, 7, 8, 8, 10, 6)

#: Region → (weight, currencies with their weights).
_REGIONS: dict[str, tuple[int, tuple[tuple[str, int], ...]]] = {
    "north_america": (45, (("USD", 1),)),
    "europe": (32, (("EUR", 8), ("USD", 2))),
    "apac": (15, (("JPY", 5), ("USD", 5))),
    "latam": (8, (("USD", 1),)),
}

#: Customer-success managers who own the larger accounts.
CSM_OWNERS = ("Dana Whitfield", "Marco Bellini", "Aiko Tanaka", "Priya Raman", "Lea Novak")

_SIZE_BANDS = ((10, "1-10"), (50, "11-50"), (200, "51-200"), (1000, "201-1000"))


def size_band(company_size: int) -> str:
    """The size band of a company with ``company_size`` employees (1-10 … 1000+)."""
    for upper, band in _SIZE_BANDS:
        if company_size <= upper:
            return band
    return "1000+"


@dataclass(frozen=True, slots=True)
class Firmographics:
    name: str
    industry: str
    company_size: int
    region: str
    currency: str


def _weighted(rng: random.Random, items: Sequence[tuple[str, int]]) -> str:
    return rng.choices([name for name, _ in items], weights=[w for _, w in items])[0]


def draw_firmographics(
    rng: random.Random, *, min_size: int = 2, max_size: int = 5000, industries: Sequence[str] = ()
) -> Firmographics:
    """One customer company. Sizes follow a long tail: most have under 50 employees."""
    pool = tuple(industries) or tuple(INDUSTRY_ROLES)
    weights = [_INDUSTRY_WEIGHTS[tuple(INDUSTRY_ROLES).index(i)] for i in pool]
    industry = rng.choices(pool, weights=weights)[0]
    region = _weighted(rng, [(name, weight) for name, (weight, _) in _REGIONS.items()])
    currency = _weighted(rng, _REGIONS[region][1])
    size = int(min(max_size, max(min_size, round(rng.lognormvariate(3.3, 1.3)))))
    name = f"{rng.choice(_FIRST)} {rng.choice(_SECOND)}"
    return Firmographics(name, industry, size, region, currency)


def draw_role(rng: random.Random, industry: str) -> str:
    """A role for a person at a company of ``industry`` (the first roles are the likeliest)."""
    return rng.choices(INDUSTRY_ROLES[industry], weights=(5, 3, 2, 1))[0]
