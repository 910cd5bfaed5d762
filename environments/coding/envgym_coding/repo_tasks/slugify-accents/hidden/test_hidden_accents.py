def test_accents(project):
    got = project.run("from textkit import slugify\nresult = [slugify(t) for t in ['Crème brûlée à la carte', 'Ñandú Señor', 'Über straße', 'Ærø Łódź', 'façade naïve']]")
    assert got == ["creme-brulee-a-la-carte", "nandu-senor", "uber-strasse", "aero-lodz", "facade-naive"]


def test_uppercase_and_separator(project):
    got = project.run("from textkit import slugify\nresult = [slugify('ÉCOLE ÇA VA', separator='_'), slugify('Große STRASSE'), slugify('Ørsted Æbleskiver', separator='.')]")
    assert got == ["ecole_ca_va", "grosse-strasse", "orsted.aebleskiver"]


def test_non_latin_removed(project):
    assert project.call("textkit:slugify", "日本 Tokyo 2024 ✓") == "tokyo-2024"
    assert project.call("textkit:slugify", "Москва") == ""


def test_max_length_with_accents(project):
    got = project.run("from textkit import slugify\nresult = [slugify('Élan vital über alles', max_length=10), slugify('Crème brûlée', max_length=8)]")
    assert got == ["elan-vital", "creme"]


def test_stopwords_compare_transliterated(project):
    assert project.call("textkit:slugify", "Le Café de la Gare", stopwords=["le", "de", "la"]) == "cafe-gare"


def test_unique_with_accents(project):
    assert project.run("from textkit import unique_slug\nresult = [unique_slug('Café', {'cafe'}), unique_slug('???', set())]") == ["cafe-2", "item"]


def test_registry_and_cli(project):
    got = project.run("""
import io
from textkit import SlugRegistry, is_slug
from textkit.cli import main
registry = SlugRegistry()
claimed = [registry.claim('Résumé'), registry.claim('resume'), registry.claim('RÉSUMÉ')]
out = io.StringIO()
code = main(['slug', 'Señor Müller', 'Ça marche'], out=out)
result = [claimed, code, out.getvalue().splitlines(), is_slug('résumé')]
""")
    assert got == [["resume", "resume-2", "resume-3"], 0, ["senor-muller", "ca-marche"], False]
