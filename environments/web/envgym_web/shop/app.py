"""The shop's web application (Starlette, server-rendered HTML, plain forms, no JavaScript).

Pages: ``/`` home, ``/search`` with filters, ``/product/{sku}``, ``/cart``, ``/checkout``,
``/account`` (profile and saved addresses), ``/orders`` and ``/orders/{id}``. Every request finds
its episode's state through the session cookie; without a valid one the page says so (403).

Example:
    >>> app = create_app(ShopStore())  # serve with uvicorn; the environment does it on 127.0.0.1
"""

from __future__ import annotations

import html
from typing import Any, Callable
from urllib.parse import parse_qs, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from envgym_web.shop.catalog import (
    CATEGORIES,
    COLORS,
    COUPONS,
    PRODUCT_LIST,
    PRODUCTS,
    SHIPPING,
    SIZES,
    money,
    order_total,
)
from envgym_web.shop.store import COOKIE, Address, Line, ShopState, ShopStore

e = html.escape
STYLE = (
    "body{font-family:sans-serif;margin:0}header{background:#234;padding:8px}header a{color:#fff;margin-right:12px}"
    "main{padding:12px}.card{border:1px solid #ccc;padding:6px;margin:4px 0}.err{color:#b00}.ok{color:#070}"
    "label{display:block;margin:4px 0}"
)


def _layout(title: str, body: str, state: ShopState, message: str = "") -> HTMLResponse:
    count = sum(line.qty for line in state.cart)
    nav = (
        f'<header><nav><a href="/">EnvShop</a><a href="/search">All products</a><a href="/cart">Cart ({count})</a>'
        f'<a href="/account">Account</a><a href="/orders">Orders</a></nav>'
        f'<form action="/search" method="get" role="search"><input name="q" aria-label="Search products" placeholder="Search">'
        f'<button type="submit">Search</button></form></header>'
    )
    note = f'<p role="status">{e(message)}</p>' if message else ""
    return HTMLResponse(
        f"<!DOCTYPE html><html><head><title>{e(title)} · EnvShop</title><style>{STYLE}</style></head>"
        f"<body>{nav}<main><h1>{e(title)}</h1>{note}{body}</main></body></html>"
    )


async def _form(request: Request) -> dict[str, str]:
    raw = (await request.body()).decode("utf-8", "replace")
    return {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}


def _redirect(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


def _select(name: str, label: str, options: list[tuple[str, str]], selected: str = "") -> str:
    opts = "".join(f'<option value="{e(v)}"{" selected" if v == selected else ""}>{e(t)}</option>' for v, t in options)
    return f'<label>{e(label)} <select name="{e(name)}">{opts}</select></label>'


def _field(name: str, label: str, value: str = "", kind: str = "text") -> str:
    return f'<label>{e(label)} <input type="{kind}" name="{e(name)}" value="{e(value)}"></label>'


def create_app(store: ShopStore) -> Starlette:
    def page(handler: Callable[[Request, ShopState], Any]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            state = store.get(request.cookies.get(COOKIE))
            if state is None:
                return HTMLResponse(
                    "<h1>No shop session</h1><p>This browser has no EnvShop session.</p>", status_code=403
                )
            return await handler(request, state)

        return endpoint

    async def home(request: Request, state: ShopState) -> Response:
        cats = "".join(f'<li><a href="/search?{urlencode({"category": c})}">{e(c)}</a></li>' for c in CATEGORIES)
        top = sorted(PRODUCT_LIST, key=lambda p: -p.rating)[:4]
        featured = "".join(f'<li><a href="/product/{p.sku}">{e(p.name)}</a> {money(p.price)}</li>' for p in top)
        return _layout(
            "Welcome to EnvShop", f"<h2>Categories</h2><ul>{cats}</ul><h2>Top rated</h2><ul>{featured}</ul>", state
        )

    async def search(request: Request, state: ShopState) -> Response:
        q = request.query_params
        text, category, color, size = (
            q.get("q", "").strip(),
            q.get("category", ""),
            q.get("color", ""),
            q.get("size", ""),
        )
        max_price, sort = q.get("max_price", "").strip().lstrip("$"), q.get("sort", "relevance")
        items = list(PRODUCT_LIST)
        if text:
            words = text.lower().split()
            items = [p for p in items if all(w in f"{p.name} {p.category} {p.color}".lower() for w in words)]
        if category:
            items = [p for p in items if p.category == category]
        if color:
            items = [p for p in items if p.color == color]
        if size:
            items = [p for p in items if p.in_stock(size)]
        message = ""
        if max_price:
            try:
                items = [p for p in items if p.price <= float(max_price)]
            except ValueError:
                message = f"Max price {max_price!r} is not a number; ignored."
        if sort == "price_asc":
            items.sort(key=lambda p: p.price)
        elif sort == "price_desc":
            items.sort(key=lambda p: -p.price)
        elif sort == "rating":
            items.sort(key=lambda p: -p.rating)
        form = (
            '<form action="/search" method="get" aria-label="Filters">'
            + _field("q", "Keywords", text)
            + _select("category", "Category", [("", "All categories")] + [(c, c) for c in CATEGORIES], category)
            + _select("color", "Color", [("", "Any color")] + [(c, c.capitalize()) for c in COLORS], color)
            + _select("size", "Size", [("", "Any size")] + [(s, s) for s in SIZES], size)
            + _field("max_price", "Max price", max_price)
            + _select(
                "sort",
                "Sort by",
                [
                    ("relevance", "Relevance"),
                    ("price_asc", "Price: low to high"),
                    ("price_desc", "Price: high to low"),
                    ("rating", "Customer rating"),
                ],
                sort,
            )
            + '<button type="submit">Apply filters</button></form>'
        )
        rows = "".join(
            f'<div class="card"><a href="/product/{p.sku}">{e(p.name)}</a> {money(p.price)} · {e(p.color)} · '
            f"rated {p.rating}</div>"
            for p in items
        )
        body = form + f"<p>{len(items)} products found</p>" + (rows or "<p>No products match.</p>")
        return _layout("Search", body, state, message)

    async def product(request: Request, state: ShopState) -> Response:
        p = PRODUCTS.get(request.path_params["sku"])
        if p is None:
            return _layout("Product not found", '<p><a href="/search">Back to all products</a></p>', state)
        sizes = ""
        if p.sizes:
            opts = "".join(
                f'<option value="{s}"{" disabled" if s in p.out_of_stock else ""}>'
                f"{s}{' (out of stock)' if s in p.out_of_stock else ''}</option>"
                for s in p.sizes
            )
            sizes = f'<label>Size <select name="size"><option value="">Choose a size</option>{opts}</select></label>'
        error = request.query_params.get("error", "")
        body = (
            f"<p>Price: {money(p.price)}</p><p>Color: {e(p.color)}</p><p>Category: {e(p.category)}</p>"
            f"<p>Rating: {p.rating} / 5</p><p>{e(p.description)}</p>"
            + (f'<p class="err" role="alert">{e(error)}</p>' if error else "")
            + f'<form action="/cart/add" method="post"><input type="hidden" name="sku" value="{p.sku}">{sizes}'
            f'{_field("qty", "Quantity", "1", "number")}<button type="submit">Add to cart</button></form>'
        )
        return _layout(p.name, body, state)

    async def cart_add(request: Request, state: ShopState) -> Response:
        form = await _form(request)
        p = PRODUCTS.get(form.get("sku", ""))
        if p is None:
            return _redirect("/search")
        size = form.get("size") or None
        try:
            qty = int(form.get("qty", "1"))
        except ValueError:
            qty = 0
        if p.sizes and not p.in_stock(size):
            return _redirect(f"/product/{p.sku}?" + urlencode({"error": "Choose a size that is in stock."}))
        if not 1 <= qty <= 20:
            return _redirect(f"/product/{p.sku}?" + urlencode({"error": "Quantity must be from 1 to 20."}))
        for line in state.cart:
            if line.sku == p.sku and line.size == size:
                line.qty = min(20, line.qty + qty)
                break
        else:
            state.cart.append(Line(p.sku, size, qty))
        return _redirect("/cart?" + urlencode({"added": p.name}))

    def _line_label(line: Line) -> str:
        return PRODUCTS[line.sku].name + (f" ({line.size})" if line.size else "")

    async def cart(request: Request, state: ShopState) -> Response:
        added = request.query_params.get("added", "")
        rows = ""
        for i, line in enumerate(state.cart):
            label = _line_label(line)
            rows += (
                f'<div class="card">{e(label)} · {money(line.unit_price)} each · {money(line.amount)}'
                f'<form action="/cart/update" method="post"><input type="hidden" name="index" value="{i}">'
                f'<label>Quantity of {e(label)} <input type="number" name="qty" value="{line.qty}"></label>'
                f'<button type="submit">Update {e(label)}</button></form>'
                f'<form action="/cart/remove" method="post"><input type="hidden" name="index" value="{i}">'
                f'<button type="submit">Remove {e(label)}</button></form></div>'
            )
        subtotal = round(sum(line.amount for line in state.cart), 2)
        body = (
            rows + f"<p>Subtotal: {money(subtotal)}</p>" + '<p><a href="/checkout">Proceed to checkout</a></p>'
            if state.cart
            else "<p>Your cart is empty.</p>"
        )
        return _layout("Your cart", body, state, f"Added {added} to your cart." if added else "")

    async def cart_update(request: Request, state: ShopState) -> Response:
        form = await _form(request)
        try:
            index, qty = int(form.get("index", "-1")), int(form.get("qty", ""))
        except ValueError:
            return _redirect("/cart")
        if 0 <= index < len(state.cart):
            if qty <= 0:
                state.cart.pop(index)
            else:
                state.cart[index].qty = min(qty, 20)
        return _redirect("/cart")

    async def cart_remove(request: Request, state: ShopState) -> Response:
        form = await _form(request)
        index = int(form["index"]) if form.get("index", "").isdigit() else -1
        if 0 <= index < len(state.cart):
            state.cart.pop(index)
        return _redirect("/cart")

    def _checkout_page(state: ShopState, error: str = "", values: dict[str, str] | None = None) -> Response:
        v = values or {}
        if not state.cart:
            return _layout("Checkout", '<p>Your cart is empty. <a href="/search">Find products</a></p>', state)
        chosen = v.get("address", state.default_label)
        radios = "".join(
            f'<label><input type="radio" name="address" value="{e(a.label)}"{" checked" if a.label == chosen else ""}>'
            f"{e(a.label)}: {e(a.one_line())}</label>"
            for a in state.addresses
        )
        radios += (
            f'<label><input type="radio" name="address" value="__new__"{" checked" if chosen == "__new__" else ""}>'
            f"A new address (fill in below)</label>"
        )
        new = "".join(
            _field(k, t, v.get(k, ""))
            for k, t in [
                ("name", "Full name"),
                ("street", "Street"),
                ("city", "City"),
                ("postal_code", "Postal code"),
                ("country", "Country"),
            ]
        )
        lines = "".join(f"<li>{line.qty} × {e(_line_label(line))} {money(line.amount)}</li>" for line in state.cart)
        subtotal = round(sum(line.amount for line in state.cart), 2)
        body = (
            f"<h2>Items</h2><ul>{lines}</ul><p>Subtotal: {money(subtotal)}</p>"
            + (f'<p class="err" role="alert">{e(error)}</p>' if error else "")
            + '<form action="/checkout" method="post"><fieldset><legend>Ship to</legend>'
            + radios
            + f"<fieldset><legend>New address</legend>{new}</fieldset></fieldset>"
            + _select(
                "shipping",
                "Shipping method",
                [(k, f"{t} {money(c)}") for k, (t, c) in SHIPPING.items()],
                v.get("shipping", "standard"),
            )
            + _field("coupon", "Coupon code", v.get("coupon", ""))
            + '<button type="submit">Place order</button></form>'
        )
        return _layout("Checkout", body, state)

    async def checkout(request: Request, state: ShopState) -> Response:
        return _checkout_page(state)

    async def checkout_post(request: Request, state: ShopState) -> Response:
        form = await _form(request)
        if not state.cart:
            return _checkout_page(state)
        shipping = form.get("shipping", "standard")
        if shipping not in SHIPPING:
            return _checkout_page(state, "Choose a shipping method.", form)
        coupon = form.get("coupon", "").strip().upper() or None
        if coupon is not None and coupon not in COUPONS:
            return _checkout_page(state, f"The coupon code {coupon} is not valid.", form)
        choice = form.get("address", "")
        if choice == "__new__":
            fields = {k: form.get(k, "").strip() for k in ("name", "street", "city", "postal_code", "country")}
            missing = [k.replace("_", " ") for k, val in fields.items() if not val]
            if missing:
                return _checkout_page(state, "Fill in the new address: " + ", ".join(missing) + ".", form)
            address = Address(label="One-time", **fields)
        else:
            found = state.address(choice)
            if found is None:
                return _checkout_page(state, "Choose where to ship the order.", form)
            address = found
        order = state.place_order(address, shipping, coupon)
        return _redirect(f"/orders/{order.id}?placed=1")

    async def orders(request: Request, state: ShopState) -> Response:
        rows = "".join(
            f'<div class="card"><a href="/orders/{o.id}">Order {o.id}</a> placed {o.date} · {money(o.total)} · {o.status}</div>'
            for o in reversed(state.orders)
        )
        return _layout("Your orders", rows or "<p>No orders yet.</p>", state)

    async def order_detail(request: Request, state: ShopState) -> Response:
        order = next((o for o in state.orders if o.id == request.path_params["order_id"]), None)
        if order is None:
            return _layout("Order not found", '<p><a href="/orders">All orders</a></p>', state)
        lines = "".join(f"<li>{line.qty} × {e(_line_label(line))} {money(line.amount)}</li>" for line in order.lines)
        body = (
            f"<p>Placed {order.date} · Status: {order.status}</p><ul>{lines}</ul>"
            f"<p>Subtotal: {money(order.subtotal)}</p>"
            + (f"<p>Discount ({e(order.coupon or '')}): -{money(order.discount)}</p>" if order.discount else "")
            + f"<p>Shipping ({SHIPPING[order.shipping][0]}): {money(order.shipping_cost)}</p>"
            f"<p>Total: {money(order.total)}</p><p>Ship to: {e(order.address.one_line())}</p>"
            '<p><a href="/orders">All orders</a></p>'
        )
        placed = "Thank you! Your order was placed." if request.query_params.get("placed") else ""
        return _layout(f"Order {order.id}", body, state, placed)

    async def account(request: Request, state: ShopState) -> Response:
        pr = state.profile
        saved = request.query_params.get("saved", "")
        error = request.query_params.get("error", "")
        profile = (
            '<form action="/account/profile" method="post"><h2>Profile</h2>'
            + _field("name", "Full name", pr.name)
            + _field("email", "Email", pr.email, "email")
            + f'<label><input type="checkbox" name="newsletter" value="1"{" checked" if pr.newsletter else ""}>'
            'Subscribe to the newsletter</label><button type="submit">Save profile</button></form>'
        )
        rows = ""
        for a in state.addresses:
            is_default = a.label == state.default_label
            rows += (
                f'<div class="card"><b>{e(a.label)}</b>{" (default)" if is_default else ""}: {e(a.one_line())}'
                + (
                    ""
                    if is_default
                    else f'<form action="/account/addresses/default" method="post"><input type="hidden" name="label" value="{e(a.label)}">'
                    f'<button type="submit">Make {e(a.label)} the default</button></form>'
                )
                + f'<form action="/account/addresses/delete" method="post"><input type="hidden" name="label" value="{e(a.label)}">'
                f'<button type="submit">Delete {e(a.label)}</button></form></div>'
            )
        add = (
            '<form action="/account/addresses" method="post"><h3>Add an address</h3>'
            + "".join(
                _field(k, t)
                for k, t in [
                    ("label", "Address label"),
                    ("name", "Recipient name"),
                    ("street", "Street address"),
                    ("city", "Town or city"),
                    ("postal_code", "ZIP / postal code"),
                    ("country", "Country name"),
                ]
            )
            + '<label><input type="checkbox" name="make_default" value="1">Use as my default address</label>'
            '<button type="submit">Add address</button></form>'
        )
        body = (
            profile
            + "<h2>Saved addresses</h2>"
            + (rows or "<p>No saved addresses.</p>")
            + add
            + (f'<p class="err" role="alert">{e(error)}</p>' if error else "")
        )
        return _layout("Your account", body, state, saved)

    async def account_profile(request: Request, state: ShopState) -> Response:
        form = await _form(request)
        name, email = form.get("name", "").strip(), form.get("email", "").strip()
        if not name or "@" not in email:
            return _redirect("/account?" + urlencode({"error": "Give a name and a valid email address."}))
        state.profile.name, state.profile.email = name, email
        state.profile.newsletter = form.get("newsletter") == "1"
        return _redirect("/account?" + urlencode({"saved": "Profile saved."}))

    async def address_add(request: Request, state: ShopState) -> Response:
        form = await _form(request)
        fields = {k: form.get(k, "").strip() for k in ("label", "name", "street", "city", "postal_code", "country")}
        missing = [k.replace("_", " ") for k, val in fields.items() if not val]
        if missing:
            return _redirect("/account?" + urlencode({"error": "Fill in: " + ", ".join(missing) + "."}))
        if state.address(fields["label"]) is not None:
            return _redirect(
                "/account?" + urlencode({"error": f"You already have an address called {fields['label']}."})
            )
        state.addresses.append(Address(**fields))
        if form.get("make_default") == "1":
            state.default_label = fields["label"]
        return _redirect("/account?" + urlencode({"saved": f"Address {fields['label']} added."}))

    async def address_default(request: Request, state: ShopState) -> Response:
        label = (await _form(request)).get("label", "")
        if state.address(label) is not None:
            state.default_label = label
        return _redirect("/account?" + urlencode({"saved": f"{label} is now your default address."}))

    async def address_delete(request: Request, state: ShopState) -> Response:
        label = (await _form(request)).get("label", "")
        state.addresses = [a for a in state.addresses if a.label != label]
        if state.default_label == label:
            state.default_label = state.addresses[0].label if state.addresses else ""
        return _redirect("/account?" + urlencode({"saved": f"Address {label} deleted."}))

    routes = [
        Route("/", page(home)),
        Route("/search", page(search)),
        Route("/product/{sku}", page(product)),
        Route("/cart", page(cart)),
        Route("/cart/add", page(cart_add), methods=["POST"]),
        Route("/cart/update", page(cart_update), methods=["POST"]),
        Route("/cart/remove", page(cart_remove), methods=["POST"]),
        Route("/checkout", page(checkout)),
        Route("/checkout", page(checkout_post), methods=["POST"]),
        Route("/orders", page(orders)),
        Route("/orders/{order_id}", page(order_detail)),
        Route("/account", page(account)),
        Route("/account/profile", page(account_profile), methods=["POST"]),
        Route("/account/addresses", page(address_add), methods=["POST"]),
        Route("/account/addresses/default", page(address_default), methods=["POST"]),
        Route("/account/addresses/delete", page(address_delete), methods=["POST"]),
    ]
    return Starlette(routes=routes)


__all__ = ["create_app", "order_total"]
