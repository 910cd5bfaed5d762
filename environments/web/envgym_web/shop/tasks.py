"""The ``web/shop`` tasks: prompts, how each is graded, and each one's reference solution.

A grading spec (in ``Task.private["check"]``) is one of:

* ``order`` — exactly one new order whose lines are exactly ``lines`` (sku, size, quantity), and
  whose address / shipping / coupon match what is given;
* ``cart`` — the cart holds exactly ``lines`` and no order was placed;
* ``profile`` / ``default`` / ``address`` / ``labels`` — account settings in the server's state;
* ``answer`` — the agent's ``answer(text)`` matches (numbers compared as amounts).

A reference solution (``Task.private["solution"]``) is a list of steps that find elements by role
and name in the observation (``"~"`` before a name means "contains"), see ``envgym_web.oracle``.
"""

from __future__ import annotations

from typing import Any

from envgym.protocol import Task

S = "textbox", "Search products"
DEFAULT = "Home"


def _search(text: str) -> list[tuple[Any, ...]]:
    return [("type", *S, text, True)]


def _add(name: str, size: str | None = None, qty: int = 1) -> list[tuple[Any, ...]]:
    steps: list[tuple[Any, ...]] = [("click", "link", name)]
    if size:
        steps.append(("select", "combobox", "Size", size))
    if qty != 1:
        steps.append(("type", "spinbutton", "Quantity", str(qty), False))
    steps.append(("click", "button", "Add to cart"))
    return steps


def _checkout(
    address: str | None = None, shipping: str | None = None, coupon: str | None = None
) -> list[tuple[Any, ...]]:
    steps: list[tuple[Any, ...]] = [("click", "link", "Proceed to checkout")]
    if address:
        steps.append(("click", "radio", f"~{address}:"))
    if shipping:
        steps.append(("select", "combobox", "Shipping method", shipping))
    if coupon:
        steps.append(("type", "textbox", "Coupon code", coupon, False))
    steps += [("click", "button", "Place order"), ("done",)]
    return steps


HOME = {"street": "12 Elm Street", "city": "Springfield"}
WORK = {"street": "400 Market Ave, Suite 9", "city": "Riverton"}
EXPRESS = "Express (next day) $12.99"

SPECS: list[dict[str, Any]] = [
    # ---------------------------------------------------------------- orders (graded on the order placed)
    dict(
        id="buy-cheapest-red-mug-m",
        prompt="Buy the cheapest red mug that is available in size M. Ship it to your saved Work address with standard shipping.",
        check={"kind": "order", "lines": [["MUG-04", "M", 1]], "address": WORK, "shipping": "standard"},
        solution=_search("mug")
        + [
            ("select", "combobox", "Color", "Red"),
            ("select", "combobox", "Size", "M"),
            ("select", "combobox", "Sort by", "Price: low to high"),
            ("click", "button", "Apply filters"),
        ]
        + _add("Speckled Red Mug", "M")
        + _checkout("Work"),
    ),
    dict(
        id="buy-two-blue-tees",
        prompt="Buy 2 Classic Blue Tees in size L, shipped to your default address.",
        check={"kind": "order", "lines": [["TEE-01", "L", 2]], "address": HOME},
        solution=_search("classic blue tee") + _add("Classic Blue Tee", "L", 2) + _checkout(),
    ),
    dict(
        id="buy-cheapest-notebook-express",
        prompt="Buy the cheapest notebook in the shop with express shipping to your default address.",
        check={"kind": "order", "lines": [["NB-04", None, 1]], "address": HOME, "shipping": "express"},
        solution=[
            ("click", "link", "Notebooks"),
            ("select", "combobox", "Sort by", "Price: low to high"),
            ("click", "button", "Apply filters"),
        ]
        + _add("Spiral Notebook")
        + _checkout(shipping=EXPRESS),
    ),
    dict(
        id="buy-hoodie-and-cap",
        prompt="In a single order, buy one Green Trail Hoodie in size XL and one Black Baseball Cap in size L, shipped to your Home address.",
        check={"kind": "order", "lines": [["HOO-01", "XL", 1], ["CAP-01", "L", 1]], "address": HOME},
        solution=_search("green trail hoodie")
        + _add("Green Trail Hoodie", "XL")
        + _search("baseball cap")
        + _add("Black Baseball Cap", "L")
        + _checkout("Home"),
    ),
    dict(
        id="buy-top-rated-bottle",
        prompt="Buy one unit of the highest-rated water bottle (category Bottles), shipped to your default address.",
        check={"kind": "order", "lines": [["BOT-02", None, 1]], "address": HOME},
        solution=[
            ("click", "link", "Bottles"),
            ("select", "combobox", "Sort by", "Customer rating"),
            ("click", "button", "Apply filters"),
        ]
        + _add("Steel Bottle 1L")
        + _checkout(),
    ),
    dict(
        id="reorder-last-order",
        prompt="Order again exactly the items of your most recent order (same products, sizes and quantities), shipped to your default address.",
        check={"kind": "order", "lines": [["BOT-01", None, 1], ["MUG-03", "M", 2]], "address": HOME},
        solution=[("click", "link", "Orders"), ("click", "link", "Order O-1003")]
        + _search("trail water bottle")
        + _add("Trail Water Bottle 750ml")
        + _search("blue diner mug")
        + _add("Blue Diner Mug", "M", 2)
        + _checkout(),
    ),
    dict(
        id="buy-with-coupon",
        prompt="Buy one Leather Notebook using the coupon code SAVE10, shipped to your Work address.",
        check={"kind": "order", "lines": [["NB-02", None, 1]], "address": WORK, "coupon": "SAVE10"},
        solution=_search("leather notebook") + _add("Leather Notebook") + _checkout("Work", coupon="SAVE10"),
    ),
    dict(
        id="buy-to-new-address",
        prompt="Buy one pair of Striped Socks in size M and ship them to this new address (no need to save it): "
        "Jordan Lee, 55 Harbor Road, Portville, 04101, USA.",
        check={
            "kind": "order",
            "lines": [["SOC-01", "M", 1]],
            "address": {"name": "Jordan Lee", "street": "55 Harbor Road", "city": "Portville", "postal_code": "04101"},
        },
        solution=_search("striped socks")
        + _add("Striped Socks", "M")
        + [
            ("click", "link", "Proceed to checkout"),
            ("click", "radio", "~A new address"),
            ("type", "textbox", "Full name", "Jordan Lee", False),
            ("type", "textbox", "Street", "55 Harbor Road", False),
            ("type", "textbox", "City", "Portville", False),
            ("type", "textbox", "Postal code", "04101", False),
            ("type", "textbox", "Country", "USA", False),
            ("click", "button", "Place order"),
            ("done",),
        ],
    ),
    dict(
        id="buy-cheap-hoodie-size-s",
        prompt="Buy the cheapest hoodie under $40 that is in stock in size S, shipped to your default address.",
        check={"kind": "order", "lines": [["HOO-01", "S", 1]], "address": HOME},
        solution=[
            ("click", "link", "Hoodies"),
            ("select", "combobox", "Size", "S"),
            ("type", "textbox", "Max price", "40", False),
            ("select", "combobox", "Sort by", "Price: low to high"),
            ("click", "button", "Apply filters"),
        ]
        + _add("Green Trail Hoodie", "S")
        + _checkout(),
    ),
    dict(
        id="cart-red-cap-no-order",
        prompt="Put one Red Runner Cap in size M in your cart, but do not place an order.",
        check={"kind": "cart", "lines": [["CAP-02", "M", 1]]},
        solution=_search("red runner cap") + _add("Red Runner Cap", "M") + [("done",)],
    ),
    # ---------------------------------------------------------------- account settings
    dict(
        id="change-email",
        prompt="Change the email address on your account to alex.work@example.org.",
        check={"kind": "profile", "fields": {"email": "alex.work@example.org", "name": "Alex Doe"}},
        solution=[
            ("click", "link", "Account"),
            ("type", "textbox", "Email", "alex.work@example.org", False),
            ("click", "button", "Save profile"),
            ("done",),
        ],
    ),
    dict(
        id="newsletter-off",
        prompt="Unsubscribe from the newsletter in your account settings.",
        check={"kind": "profile", "fields": {"newsletter": False, "email": "alex.doe@example.com"}},
        solution=[
            ("click", "link", "Account"),
            ("click", "checkbox", "Subscribe to the newsletter"),
            ("click", "button", "Save profile"),
            ("done",),
        ],
    ),
    dict(
        id="change-name",
        prompt="Change the name on your account profile to Alexandra Doe.",
        check={"kind": "profile", "fields": {"name": "Alexandra Doe", "newsletter": True}},
        solution=[
            ("click", "link", "Account"),
            ("type", "textbox", "Full name", "Alexandra Doe", False),
            ("click", "button", "Save profile"),
            ("done",),
        ],
    ),
    dict(
        id="add-address",
        prompt="Save a new address labelled Parents: Alex Doe, 88 Orchard Way, Millbrook, 12545, USA. Keep Home as the default.",
        check={
            "kind": "address",
            "label": "Parents",
            "fields": {"street": "88 Orchard Way", "city": "Millbrook", "postal_code": "12545"},
            "default": "Home",
        },
        solution=[
            ("click", "link", "Account"),
            ("type", "textbox", "Address label", "Parents", False),
            ("type", "textbox", "Recipient name", "Alex Doe", False),
            ("type", "textbox", "Street address", "88 Orchard Way", False),
            ("type", "textbox", "Town or city", "Millbrook", False),
            ("type", "textbox", "ZIP / postal code", "12545", False),
            ("type", "textbox", "Country name", "USA", False),
            ("click", "button", "Add address"),
            ("done",),
        ],
    ),
    dict(
        id="add-default-address",
        prompt="Add a new address labelled Cabin (Alex Doe, 3 Pine Ridge Road, Bearfield, 80424, USA) and make it your default address.",
        check={
            "kind": "address",
            "label": "Cabin",
            "fields": {"street": "3 Pine Ridge Road", "city": "Bearfield", "postal_code": "80424"},
            "default": "Cabin",
        },
        solution=[
            ("click", "link", "Account"),
            ("type", "textbox", "Address label", "Cabin", False),
            ("type", "textbox", "Recipient name", "Alex Doe", False),
            ("type", "textbox", "Street address", "3 Pine Ridge Road", False),
            ("type", "textbox", "Town or city", "Bearfield", False),
            ("type", "textbox", "ZIP / postal code", "80424", False),
            ("type", "textbox", "Country name", "USA", False),
            ("click", "checkbox", "Use as my default address"),
            ("click", "button", "Add address"),
            ("done",),
        ],
    ),
    dict(
        id="set-default-work",
        prompt="Make your Work address the default shipping address.",
        check={"kind": "default", "label": "Work"},
        solution=[("click", "link", "Account"), ("click", "button", "Make Work the default"), ("done",)],
    ),
    dict(
        id="delete-old-address",
        prompt="Delete the saved address labelled Old apartment, keeping the others.",
        check={"kind": "labels", "labels": ["Home", "Work"]},
        solution=[("click", "link", "Account"), ("click", "button", "Delete Old apartment"), ("done",)],
    ),
    # ---------------------------------------------------------------- questions (graded on the answer)
    dict(
        id="last-order-total",
        prompt="What was the total of your most recent order? Answer with the amount.",
        check={"kind": "answer", "number": 36.99},
        solution=[("click", "link", "Orders"), ("click", "link", "Order O-1003"), ("answer", "$36.99")],
    ),
    dict(
        id="order-count",
        prompt="How many orders have you placed so far? Answer with a number.",
        check={"kind": "answer", "number": 3},
        solution=[("click", "link", "Orders"), ("answer", "3")],
    ),
    dict(
        id="price-of-trail-bottle",
        prompt="What is the price of the Trail Water Bottle 750ml?",
        check={"kind": "answer", "number": 16.00},
        solution=_search("trail water bottle") + [("click", "link", "Trail Water Bottle 750ml"), ("answer", "$16.00")],
    ),
    dict(
        id="cheapest-hoodie",
        prompt="Which hoodie is the cheapest in the shop? Answer with its name.",
        check={"kind": "answer", "text": ["navy pullover hoodie"]},
        solution=[
            ("click", "link", "Hoodies"),
            ("select", "combobox", "Sort by", "Price: low to high"),
            ("click", "button", "Apply filters"),
            ("answer", "Navy Pullover Hoodie"),
        ],
    ),
    dict(
        id="out-of-stock-size",
        prompt="Which size of the Red Logo Tee is out of stock? Answer with the size.",
        check={"kind": "answer", "text": ["xl", "size xl", "extra large"]},
        solution=_search("red logo tee") + [("click", "link", "Red Logo Tee"), ("answer", "XL")],
    ),
    dict(
        id="count-red-products",
        prompt="How many red products does the shop sell? Answer with a number.",
        check={"kind": "answer", "number": 8},
        solution=[
            ("click", "link", "All products"),
            ("select", "combobox", "Color", "Red"),
            ("click", "button", "Apply filters"),
            ("answer", "8"),
        ],
    ),
    dict(
        id="default-address-city",
        prompt="In which city is your default shipping address? Answer with the city name.",
        check={"kind": "answer", "text": ["springfield"]},
        solution=[("click", "link", "Account"), ("answer", "Springfield")],
    ),
    dict(
        id="hoodie-in-order-1002",
        prompt="Which hoodie did you buy in order O-1002? Answer with the product name.",
        check={"kind": "answer", "text": ["grey zip hoodie"]},
        solution=[("click", "link", "Orders"), ("click", "link", "Order O-1002"), ("answer", "Grey Zip Hoodie")],
    ),
]


def shop_tasks() -> list[Task]:
    tasks = []
    for spec in SPECS:
        kind = spec["check"]["kind"]
        steps = len(spec["solution"])
        tasks.append(
            Task(
                id=spec["id"],
                suite="shop",
                prompt=spec["prompt"]
                + (" Finish with answer(text)." if kind == "answer" else " Call done() when finished."),
                payload={"site": "shop", "start_path": "/"},
                private={"check": spec["check"], "solution": [list(s) for s in spec["solution"]]},
                metadata={
                    "category": "answer" if kind == "answer" else ("order" if kind in ("order", "cart") else "account"),
                    "max_turns": max(15, 2 * steps + 5),
                },
            )
        )
    return tasks
