"""The tree of units as plain values: subtrees, moves that would loop, merges, import rows."""

from presenters.units.rules import Node, Tree, canonical, clean_name, merge_problem, move_problem, plan_import

# 1 city; 2, 3 bureaus; 4 a sub-unit of 2; 5 a section of 4
TREE = Tree.of(
    [
        Node(1, None, "国家税务总局长沙市税务局", "市局"),
        Node(2, 1, "芙蓉区税务局", "芙蓉区", 1),
        Node(3, 1, "天心区税务局", "天心区", 2),
        Node(4, 2, "定王台税务分局"),
        Node(5, 4, "办公室"),
    ]
)


def test_subtree_reaches_every_level_below_and_only_below():
    assert TREE.subtree(2) == {2, 4, 5}
    assert TREE.subtree(1) == {1, 2, 3, 4, 5}
    assert TREE.subtree(3) == {3}
    assert TREE.subtree(99) == set()
    assert TREE.reach([3, 4]) == {3, 4, 5}


def test_label_and_order():
    assert TREE.label(5) == "芙蓉区税务局 › 定王台税务分局 › 办公室"
    assert TREE.label(1) == "国家税务总局长沙市税务局"
    assert [(n.id, d) for n, d in TREE.flat()] == [(1, 0), (2, 1), (4, 2), (5, 3), (3, 1)]


def test_a_unit_never_goes_under_itself_or_its_own_subunits():
    assert move_problem(TREE, 2, 5) == "cycle"
    assert move_problem(TREE, 2, 2) == "cycle"
    assert move_problem(TREE, 4, 3) is None
    assert move_problem(TREE, 4, None) is None
    assert move_problem(TREE, 4, 42) == "unknown-parent"


def test_merge_refuses_itself_and_its_subtree():
    assert merge_problem(TREE, 2, 2) == "same"
    assert merge_problem(TREE, 2, 4) == "into-own-subtree"
    assert merge_problem(TREE, 4, 3) is None


def test_a_stored_cycle_does_not_hang_the_label():
    looped = Tree.of([Node(1, 2, "甲"), Node(2, 1, "乙")])
    assert looped.ancestors(1) in ([2], [])


def test_names_are_cleaned_of_controls_and_spaces():
    assert clean_name("  芙蓉区\u200b税务局\x00 ") == "芙蓉区税务局"
    assert clean_name("a\n  b") == "a b"


def test_import_rows_name_parents_in_the_tree_or_earlier_in_the_file():
    rows = plan_import(
        [
            (2, {"name": "雨花区税务局", "short_name": "雨花区", "parent": "市局"}),
            (3, {"name": "侯家塘税务分局", "short_name": "", "parent": "雨花区"}),
            (4, {"name": "无名", "short_name": "", "parent": "不存在的局"}),
            (5, {"name": "", "short_name": "", "parent": ""}),
            (6, {"name": "雨花区税务局", "short_name": "", "parent": "市局"}),
            (7, {"name": "自己", "short_name": "", "parent": "自己"}),
        ],
        TREE,
    )
    assert [(r.line, r.errors) for r in rows] == [
        (2, ()),
        (3, ()),
        (4, ("parent-unknown",)),
        (5, ("name-missing",)),
        (6, ("duplicate",)),
        (7, ("parent-unknown", "parent-self")),
    ]


def test_a_typed_unit_is_read_by_its_full_name_or_its_short_name():
    lookup = TREE.lookup()
    assert lookup["芙蓉区"] == (2, "芙蓉区税务局") and lookup["芙蓉区税务局"] == (2, "芙蓉区税务局")
    assert lookup["市局"] == (1, "国家税务总局长沙市税务局") and "办" not in lookup
    # a full name wins over another unit's short name; of two units of one name, the first
    clash = Tree.of([Node(1, None, "甲", "乙"), Node(2, 1, "乙"), Node(3, 1, "乙")])
    assert clash.lookup()["乙"] == (2, "乙")
    assert canonical(" 天心区 ", [("天心区税务局", "天心区")]) == "天心区税务局"
    assert canonical("湖南日报社", [("天心区税务局", "天心区")]) == "湖南日报社"  # a guest's unit stays
