def test_accents(project):
    got = project.run("from textkit import slugify\nresult = [slugify(t) for t in ['Crème brûlée à la carte', 'Ñandú Señor', 'Über straße', 'Ærø Łódź', 'façade naïve']]")
    assert got == ["creme-brulee-a-la-carte", "nandu-senor", "uber-strasse", "aero-lodz", "facade-naive"]


def test_non_latin_removed(project):
    assert project.call("textkit:slugify", "日本 Tokyo 2024 ✓") == "tokyo-2024"


def test_max_length_with_accents(project):
    assert project.run("from textkit import slugify\nresult = slugify('Élan vital über alles', max_length=10)") == "elan-vital"


def test_unique_with_accents(project):
    assert project.run("from textkit import unique_slug\nresult = [unique_slug('Café', {'cafe'}), unique_slug('???', set())]") == ["cafe-2", "item"]
