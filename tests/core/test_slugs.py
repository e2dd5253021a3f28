"""Public addresses made from titles: pinyin for Chinese, always within the slug pattern."""

import re

import pytest

from core.slugs import SLUG_PATTERN, slugify, with_suffix

SLUG = re.compile(SLUG_PATTERN)


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("税心向党·书记说", "shui-xin-xiang-dang-shu-ji-shuo"),
        ("“五个一”学习法", "wu-ge-yi-xue-xi-fa"),
        ("37℃学习法 2026", "37c-xue-xi-fa-2026"),
        ("Party Day 2026!", "party-day-2026"),
        ("Café Über", "cafe-uber"),
        ("绿色税收", "lv-se-shui-shou"),
    ],
)
def test_slugify_reads_as_pinyin_and_plain_letters(title, slug):
    assert slugify(title) == slug


@pytest.mark.parametrize("title", ["A", "🎉🎉", "——", "税", "x" * 200, "长沙市税务局" * 20, "-a-", "ab"])
def test_slugify_always_fits_the_slug_pattern(title):
    slug = slugify(title)
    assert SLUG.fullmatch(slug), slug
    assert SLUG.fullmatch(with_suffix(slug, 2)), with_suffix(slug, 2)
    assert SLUG.fullmatch(with_suffix(slug, 1234)), with_suffix(slug, 1234)


def test_long_titles_are_cut_between_syllables():
    slug = slugify("长沙市税务局" * 20)
    assert len(slug) <= 60 and not slug.endswith("-")
    assert slug.startswith("chang-sha-shi-shui-wu-ju-")
    assert with_suffix(slug, 12).endswith("-12") and len(with_suffix(slug, 12)) <= 60
