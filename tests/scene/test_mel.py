from azure_batch_maya.scene.mel import Token, statements, unescape


def texts(source: str) -> list[list[str]]:
    return [[t.text for t in s.tokens] for s in statements(source)]


def test_statements_split_at_semicolons_outside_strings():
    source = 'file -rdi 1 -op "v=0;" -typ "mayaAscii" "C:/a b/x.ma";\nrequires maya "2022";'
    assert texts(source) == [
        ["file", "-rdi", "1", "-op", "v=0;", "-typ", "mayaAscii", "C:/a b/x.ma"],
        ["requires", "maya", "2022"],
    ]


def test_strings_are_unescaped_and_marked_quoted():
    (stmt,) = statements(r'setAttr ".ftn" -type "string" "C:\\tex\\wood \"old\".tif";')
    assert stmt.tokens[-1] == Token('C:\\tex\\wood "old".tif', quoted=True)
    assert stmt.tokens[0] == Token("setAttr", quoted=False)


def test_concatenated_strings_over_many_lines_are_joined():
    source = 'setAttr ".b" -type "string" (\n\t\t"first\\n"\n\t\t+ "second");'
    (stmt,) = statements(source)
    assert stmt.tokens[-1].text == "first\nsecond"


def test_comments_are_skipped():
    source = '// a comment; with a semicolon\ncreateNode file /* block ; */ -n "f";'
    assert texts(source) == [["createNode", "file", "-n", "f"]]


def test_unknown_escape_keeps_its_backslash():
    assert unescape(r"a\qb") == r"a\qb"
    assert unescape(r"\\\\server\\share") == r"\\server\share"


def test_unterminated_string_ends_the_region_as_incomplete():
    result = list(statements('setAttr ".ftn" -type "string" "never ends; createNode x;'))
    assert len(result) == 1
    assert result[0].unterminated_string
    assert not result[0].complete


def test_statement_without_semicolon_is_incomplete():
    (stmt,) = statements('setAttr ".fs" 1')
    assert not stmt.complete


def test_region_bounds_are_respected_without_copying():
    source = "createNode a; createNode b; createNode c;"
    start = source.index("createNode b")
    assert texts(source[: start + 14])[-1] == ["createNode", "b"]
    assert [s.tokens[1].text for s in statements(source, start, start + 14)] == ["b"]
