def test_default_used(project):
    got = project.run("""
from minitpl import render
result = [render('{{ nickname|default:"anonymous" }}', {}), render('{{ nickname|default:"anonymous" }}', {"nickname": None}),
          render("{{ n|default:'x' }}", {"n": ""}), render('{{ n|default:"x" }}', {"n": "Bo"}), render('{{ n|default:"x" }}', {"n": 0}),
          render('{{ n|default:"x" }}', {"n": False}), render('[{{ n|default:"" }}]', {})]
""")
    assert got == ["anonymous", "anonymous", "x", "Bo", "0", "False", "[]"]


def test_chained(project):
    got = project.run("""
from minitpl import render
result = [render('{{ city|default:"nowhere"|upper }}', {}), render('{{ city|trim|default:"none" }}', {"city": "  "}),
          render('{{ a.b|default:"a | b: c" }}', {"a": {}}), render('{{ city | default:"nowhere" | title }}', {}),
          render('{{ xs|default:"abc"|length }}', {}), render('{{ user.nick|default:"anon" }}', {"user": {"nick": "bo"}})]
""")
    assert got == ["NOWHERE", "none", "a | b: c", "Nowhere", "3", "bo"]


def test_quotes_inside_the_argument(project):
    got = project.run("""
from minitpl import render
result = [render('{{ x|default:"it\\'s" }}', {}, autoescape=False), render("{{ x|default:'say \\"hi\\"' }}", {}, autoescape=False)]
""")
    assert got == ["it's", 'say "hi"']


def test_missing_without_default_raises(project):
    for source in ["{{ x|upper }}", "{{ x }}", "{{ user.nick }}"]:
        err = project.error("from minitpl import render\nrender(source, {'user': {}})", source=source)
        assert err is not None and "TemplateError" in err.mro, source


def test_default_in_blocks_and_compiled_templates(project):
    got = project.run("""
from minitpl import Template
loop = Template('{% for u in users %}{{ u.nick|default:"?" }};{% endfor %}')
cond = Template('{% if name %}hi {{ name }}{% else %}hi {{ name|default:"stranger" }}{% endif %}')
result = [loop.render({"users": [{"nick": "a"}, {}, {"nick": None}]}), cond.render({}), cond.render({"name": "bo"}), cond.render({"name": ""})]
""")
    assert got == ["a;?;?;", "hi stranger", "hi bo", "hi stranger"]


def test_default_in_template_files(project):
    got = project.run("""
import os, tempfile
from minitpl import Loader
root = tempfile.mkdtemp()
with open(os.path.join(root, "card.txt"), "w") as fh:
    fh.write('{{ name|default:"friend"|title }} from {{ city|default:"somewhere" }}')
loader = Loader(root)
result = [loader.render("card.txt", {}), loader.render("card.txt", {"name": "ada", "city": "London"})]
""")
    assert got == ["Friend from somewhere", "Ada from London"]


def test_old_filters(project):
    got = project.run("from minitpl import render\nresult = render('{{ a|upper }} {{ b|length }} {{ c }}', {'a': 'x', 'b': [1, 2], 'c': '<i>'})")
    assert got == "X 2 &lt;i&gt;"
    err = project.error("from minitpl import render\nrender('{{ a|nosuchfilter }}', {'a': 1})")
    assert err is not None and "TemplateError" in err.mro
