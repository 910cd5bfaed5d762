"""The shop's fixed catalogue and pricing rules (the same for every episode).

Example:
    >>> PRODUCTS["MUG-04"].name
    'Speckled Red Mug'
    >>> order_total(subtotal=32.0, shipping="standard", coupon=None)
    (0.0, 4.99, 36.99)
"""

from __future__ import annotations

from dataclasses import dataclass, field

APPAREL = ("S", "M", "L", "XL")
SMALL_MEDIUM_LARGE = ("S", "M", "L")


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    category: str
    color: str
    price: float
    rating: float
    description: str
    sizes: tuple[str, ...] = ()
    out_of_stock: frozenset[str] = field(default_factory=frozenset)

    def in_stock(self, size: str | None) -> bool:
        if not self.sizes:
            return size in (None, "")
        return size in self.sizes and size not in self.out_of_stock


def _p(
    sku: str,
    name: str,
    category: str,
    color: str,
    price: float,
    rating: float,
    description: str,
    sizes: tuple[str, ...] = (),
    out: tuple[str, ...] = (),
) -> Product:
    return Product(sku, name, category, color, price, rating, description, sizes, frozenset(out))


PRODUCT_LIST = [
    _p("MUG-01", "Classic Red Mug", "Mugs", "red", 12.00, 4.1, "A glossy stoneware mug.", SMALL_MEDIUM_LARGE),
    _p("MUG-02", "Tall Red Mug", "Mugs", "red", 9.50, 3.9, "A tall mug for long coffees.", SMALL_MEDIUM_LARGE, ("M",)),
    _p("MUG-03", "Blue Diner Mug", "Mugs", "blue", 8.00, 4.4, "Heavy diner-style mug.", SMALL_MEDIUM_LARGE),
    _p(
        "MUG-04",
        "Speckled Red Mug",
        "Mugs",
        "red",
        10.75,
        4.3,
        "Hand-glazed with a speckled finish.",
        SMALL_MEDIUM_LARGE,
    ),
    _p("MUG-05", "Black Travel Mug", "Mugs", "black", 15.00, 4.0, "Insulated, with a lid.", SMALL_MEDIUM_LARGE),
    _p("MUG-06", "Green Camp Mug", "Mugs", "green", 11.25, 4.2, "Enamel mug for the outdoors.", SMALL_MEDIUM_LARGE),
    _p("TEE-01", "Classic Blue Tee", "T-shirts", "blue", 18.00, 4.5, "Soft cotton crew neck.", APPAREL),
    _p("TEE-02", "Vintage Blue Tee", "T-shirts", "blue", 22.00, 4.2, "Washed cotton, relaxed fit.", APPAREL),
    _p("TEE-03", "Red Logo Tee", "T-shirts", "red", 19.50, 4.0, "Printed logo on the chest.", APPAREL, ("XL",)),
    _p("TEE-04", "White Basic Tee", "T-shirts", "white", 14.00, 4.1, "The everyday tee.", APPAREL),
    _p("TEE-05", "Black Pocket Tee", "T-shirts", "black", 21.00, 4.6, "Heavyweight tee with a pocket.", APPAREL),
    _p("HOO-01", "Green Trail Hoodie", "Hoodies", "green", 39.00, 4.4, "Brushed fleece pullover.", APPAREL),
    _p("HOO-02", "Grey Zip Hoodie", "Hoodies", "grey", 45.00, 4.7, "Full zip, two pockets.", APPAREL),
    _p("HOO-03", "Navy Pullover Hoodie", "Hoodies", "blue", 36.50, 4.3, "Classic pullover hoodie.", APPAREL, ("S",)),
    _p("HOO-04", "Red Campus Hoodie", "Hoodies", "red", 42.00, 4.5, "Heavy cotton with a printed arch.", APPAREL),
    _p("NB-01", "Dot Grid Notebook", "Notebooks", "white", 7.50, 4.6, "A5, 120 pages, dot grid."),
    _p("NB-02", "Leather Notebook", "Notebooks", "black", 24.00, 4.8, "Refillable leather cover."),
    _p("NB-03", "Pocket Notebook 3-Pack", "Notebooks", "green", 6.25, 4.2, "Three slim pocket notebooks."),
    _p("NB-04", "Spiral Notebook", "Notebooks", "blue", 5.90, 3.8, "College ruled, spiral bound."),
    _p("BOT-01", "Trail Water Bottle 750ml", "Bottles", "green", 16.00, 4.6, "Light aluminium bottle."),
    _p("BOT-02", "Steel Bottle 1L", "Bottles", "grey", 21.00, 4.8, "Double-walled stainless steel."),
    _p("BOT-03", "Kids Bottle 500ml", "Bottles", "red", 11.00, 4.2, "Leak-proof with a straw."),
    _p("CAP-01", "Black Baseball Cap", "Caps", "black", 13.00, 4.1, "Adjustable strap.", ("M", "L")),
    _p("CAP-02", "Red Runner Cap", "Caps", "red", 15.50, 4.4, "Light and breathable.", ("M", "L")),
    _p("SOC-01", "Striped Socks", "Socks", "red", 7.00, 4.0, "Cotton socks with stripes.", SMALL_MEDIUM_LARGE),
    _p("SOC-02", "Wool Hiking Socks", "Socks", "grey", 12.50, 4.7, "Merino wool blend.", SMALL_MEDIUM_LARGE, ("S",)),
]
PRODUCTS = {p.sku: p for p in PRODUCT_LIST}
CATEGORIES = sorted({p.category for p in PRODUCT_LIST})
COLORS = sorted({p.color for p in PRODUCT_LIST})
SIZES = list(APPAREL)

SHIPPING = {"standard": ("Standard (3-5 days)", 4.99), "express": ("Express (next day)", 12.99)}
FREE_SHIPPING_OVER = 50.0
COUPONS = {"SAVE10": 0.10}


def order_total(subtotal: float, shipping: str, coupon: str | None) -> tuple[float, float, float]:
    """(discount, shipping cost, total) for an order; standard shipping is free from $50 after discount."""
    discount = round(subtotal * COUPONS.get((coupon or "").upper(), 0.0), 2)
    after = round(subtotal - discount, 2)
    ship = SHIPPING[shipping][1]
    if shipping == "standard" and after >= FREE_SHIPPING_OVER:
        ship = 0.0
    return discount, ship, round(after + ship, 2)


def money(value: float) -> str:
    return f"${value:,.2f}"
