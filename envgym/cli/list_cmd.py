"""``envgym list`` and ``envgym info ENV``."""

from __future__ import annotations

import json

import typer

from envgym.cli.app import app, console, err_console, fail, failing, new_table
from envgym.kernel import registry
from envgym.protocol.errors import DuplicatePlugin


@app.command("list")
def list_command(
    group: str = typer.Argument("all", help="environments, graders, sandboxes, agents, or all"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """List installed plugins and the package each comes from (reads metadata only; imports nothing)."""
    groups = list(registry.GROUPS) if group == "all" else [group]
    if any(g not in registry.GROUPS for g in groups):
        raise fail(f"unknown group {group!r}; choose from: all, {', '.join(registry.GROUPS)}")
    dups = registry.REGISTRY.duplicates()
    # A name two packages provide gets one row per package: neither of them is the plugin (loading it fails).
    rows = [
        (g, q, (g, p.name) in dups)
        for g in groups
        for p in registry.list_plugins(g)
        for q in dups.get((g, p.name), [p])
    ]
    if as_json:
        console.print_json(
            json.dumps(
                [
                    {
                        "group": g,
                        "name": p.name,
                        "package": p.package,
                        "version": p.version,
                        "entry_point": p.value,
                        "conflict": conflict,
                    }
                    for g, p, conflict in rows
                ]
            )
        )
    else:
        table = new_table("envgym plugins", ("group", "name", "package", "version", "entry point"))
        for g, p, conflict in rows:
            table.add_row(g, f"[red]{p.name} (conflict)[/]" if conflict else p.name, p.package, p.version, p.value)
        console.print(table)
    for g, name in dups:
        try:
            registry.info(g, name)
        except DuplicatePlugin as exc:
            err_console.print(f"[red]error:[/] {exc.message}")


@app.command("info")
def info_command(env: str = typer.Argument(..., help="environment id: family or family/suite")) -> None:
    """Show an environment family's suites, tools and how it reads plain-text actions."""
    from envgym.kernel.families import resolve

    with failing():
        ref = resolve(env)
    cls = ref.cls
    plugin = registry.info("environments", ref.family)
    console.print(f"[bold]{ref.family}[/] {cls.version} from package {plugin.package} — {cls.summary}")
    console.print(f"plain-text actions: {cls.text_actions}")
    table = new_table("suites", ("suite", "version", "tasks", "description"))
    for s in cls.suites():
        table.add_row(s.name, s.version, str(s.size if s.size is not None else "?"), s.description)
    console.print(table)
    tools = cls.tools(ref.suite)
    if tools:
        console.print(f"tools of {ref.suite}: " + ", ".join(t.function.name for t in tools))
    if cls.settings_model is not None:
        settings = new_table("host settings (--set KEY=VALUE)", ("key", "default", "description"))
        for name, f in cls.settings_model.model_fields.items():
            settings.add_row(
                f"{cls.settings_model.prefix}.{name}",
                repr(f.get_default(call_default_factory=True)),
                f.description or "",
            )
        console.print(settings)
