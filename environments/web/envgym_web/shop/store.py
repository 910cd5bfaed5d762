"""Per-episode server-side state of the shop (see ``envgym_web.sessions``): profile, saved
addresses, cart and orders.

Example:
    >>> store = ShopStore()
    >>> token = store.create()
    >>> store.get(token).profile.email
    'alex.doe@example.com'
    >>> store.drop(token)
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from envgym_web.sessions import SessionStore
from envgym_web.shop.catalog import PRODUCTS, order_total

COOKIE = "envgym_shop"


@dataclass
class Address:
    label: str
    name: str
    street: str
    city: str
    postal_code: str
    country: str

    def one_line(self) -> str:
        return f"{self.name}, {self.street}, {self.city} {self.postal_code}, {self.country}"


@dataclass
class Line:
    sku: str
    size: str | None
    qty: int

    @property
    def unit_price(self) -> float:
        return PRODUCTS[self.sku].price

    @property
    def amount(self) -> float:
        return round(self.unit_price * self.qty, 2)


@dataclass
class Order:
    id: str
    date: str
    lines: list[Line]
    address: Address
    shipping: str
    coupon: str | None
    subtotal: float
    discount: float
    shipping_cost: float
    total: float
    status: str = "Processing"


@dataclass
class Profile:
    name: str = "Alex Doe"
    email: str = "alex.doe@example.com"
    newsletter: bool = True


@dataclass
class ShopState:
    profile: Profile = field(default_factory=Profile)
    addresses: list[Address] = field(default_factory=list)
    default_label: str = "Home"
    cart: list[Line] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    initial_order_ids: frozenset[str] = frozenset()
    next_order: int = 1004

    def address(self, label: str) -> Address | None:
        return next((a for a in self.addresses if a.label == label), None)

    def new_orders(self) -> list[Order]:
        return [o for o in self.orders if o.id not in self.initial_order_ids]

    def place_order(self, address: Address, shipping: str, coupon: str | None, date: str = "2026-11-20") -> Order:
        subtotal = round(sum(line.amount for line in self.cart), 2)
        discount, ship, total = order_total(subtotal, shipping, coupon)
        order = Order(
            id=f"O-{self.next_order}",
            date=date,
            lines=[copy.copy(line) for line in self.cart],
            address=copy.copy(address),
            shipping=shipping,
            coupon=coupon,
            subtotal=subtotal,
            discount=discount,
            shipping_cost=ship,
            total=total,
        )
        self.next_order += 1
        self.orders.append(order)
        self.cart.clear()
        return order


def _history(addresses: dict[str, Address]) -> list[Order]:
    def past(order_id: str, date: str, lines: list[Line], label: str, status: str) -> Order:
        subtotal = round(sum(line.amount for line in lines), 2)
        discount, ship, total = order_total(subtotal, "standard", None)
        return Order(order_id, date, lines, addresses[label], "standard", None, subtotal, discount, ship, total, status)

    return [
        past("O-1001", "2026-09-03", [Line("NB-01", None, 2), Line("TEE-04", "M", 1)], "Home", "Delivered"),
        past("O-1002", "2026-10-14", [Line("HOO-02", "L", 1), Line("SOC-02", "M", 1)], "Work", "Delivered"),
        past("O-1003", "2026-11-02", [Line("BOT-01", None, 1), Line("MUG-03", "M", 2)], "Home", "Shipped"),
    ]


def initial_state() -> ShopState:
    addresses = [
        Address("Home", "Alex Doe", "12 Elm Street", "Springfield", "62704", "USA"),
        Address("Work", "Alex Doe", "400 Market Ave, Suite 9", "Riverton", "84065", "USA"),
        Address("Old apartment", "Alex Doe", "7 Birch Lane, Apt 3", "Lakeside", "53001", "USA"),
    ]
    orders = _history({a.label: a for a in addresses})
    return ShopState(addresses=addresses, orders=orders, initial_order_ids=frozenset(o.id for o in orders))


class ShopStore(SessionStore[ShopState]):
    """Shop sessions by token, each starting from ``initial_state()``."""

    def __init__(self) -> None:
        super().__init__(initial_state)
