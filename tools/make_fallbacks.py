"""How the fallback fonts in this folder are made (the committed ones by hand, once; kept so anyone
can make them again and check them). Needs fontTools (in requirements.lock).

ShowcaseCJKExtra-{Regular,Bold}.otf: the characters that Noto Sans CJK SC 2.004 (Debian's
fonts-noto-cjk 1:20220127, NotoSansCJK-{Regular,Bold}.ttc, face 2 "Noto Sans CJK SC") has
and Noto Sans SC (Google Fonts' static instances) lacks, without Hangul: chiefly CJK
Extension B and later (rare characters in people's and places' names, such as 𠮷).

NotoEmoji-Regular.ttf: Noto Emoji (monochrome) from npm @fontsource/noto-emoji@5.3.2, its
twelve weight-400 unicode-range subsets (files/noto-emoji-*-400-normal.woff) merged back into
one font.

rare/ShowcaseRareHan.ttf and rare/ShowcaseRareHanG.ttf (made by `make deps`, not committed:
together ~34 MB): the CJK ideographs that neither font above has, for rare characters in
people's names such as 𪚥 (U+2A6A5). ShowcaseRareHan.ttf comes from Hanazono Mincho B
(Debian fonts-hanazono 20170904: CJK Extensions B–F, near complete), ShowcaseRareHanG.ttf
from BabelStone Han (Debian fonts-babelstone-han 15.0.5: what is left of Extension A,
Extensions G and H, the compatibility supplement). Renamed, since the OFL reserves the
Hanazono names; the licences are copied beside them.

Usage: python tools/make_fallbacks.py CJK_TTC_DIR FONTSOURCE_NOTO_EMOJI_DIR
       python make_fallbacks.py rare [HANAMINB_TTF BABELSTONE_TTF]
"""

import glob
import sys
import tempfile
from pathlib import Path

from fontTools import subset
from fontTools.merge import Merger
from fontTools.ttLib import TTCollection, TTFont

HERE = Path(__file__).resolve().parents[1] / "assets" / "fonts"  # where the fonts are served from
HANGUL = [(0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF)]
RARE = HERE / "rare"
# Extension A, the Unified Ideographs, and the supplementary ideographic plane and beyond
# (Extensions B–I, the compatibility supplement, Extensions G and H).
IDEOGRAPHS = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x323AF)]
# Kept too: Pango sets a space between two rare characters in their font, and without a
# glyph of its own there it printed as a box.
SPACES = [0x20, 0xA0, 0x3000, *range(0x2000, 0x200C)]
HANAZONO = Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf")
BABELSTONE = Path("/usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf")
LICENCES = {
    "COPYRIGHT-Hanazono.txt": Path("/usr/share/doc/fonts-hanazono/copyright"),
    "COPYRIGHT-BabelStoneHan.txt": Path("/usr/share/doc/fonts-babelstone-han/copyright"),
}


def cjk_extra(ttc_dir: Path) -> None:
    for weight in ("Regular", "Bold"):
        have = set(TTFont(HERE / f"NotoSansSC-{weight}.ttf", lazy=True).getBestCmap())
        full = TTCollection(str(ttc_dir / f"NotoSansCJK-{weight}.ttc")).fonts[2]
        wanted = [u for u in full.getBestCmap() if u not in have and not any(a <= u <= b for a, b in HANGUL)]
        options = subset.Options()
        options.name_IDs = ["*"]
        options.layout_features = ["*"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=wanted)
        subsetter.subset(full)
        full.save(HERE / f"ShowcaseCJKExtra-{weight}.otf")
        print(weight, len(wanted), "characters")


def _covered() -> set[int]:
    """What the committed fonts already draw (regular weight; bold has the same set)."""
    return set(TTFont(HERE / "NotoSansSC-Regular.ttf", lazy=True).getBestCmap()) | set(
        TTFont(HERE / "ShowcaseCJKExtra-Regular.otf", lazy=True).getBestCmap()
    )


def _subset_renamed(source: Path, unicodes: list[int], family: str, target: Path) -> None:
    font = TTFont(source)
    options = subset.Options()
    options.layout_features = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    font["OS/2"].usWeightClass = 400  # one regular face (Hanazono says 500), bold is made from it
    names = font["name"]
    copyright_ = names.getDebugName(0) or ""
    names.names = []
    for name_id, value in (
        (0, copyright_),
        (1, family),
        (2, "Regular"),
        (3, f"{family} Regular {source.name}"),
        (4, family),
        (5, "Version 1.0"),
        (6, family.replace(" ", "")),
        (10, f"Subset of {source.name} for rare CJK characters (see tools/make_fallbacks.py)."),
    ):
        names.setName(value, name_id, 3, 1, 0x409)
    font.save(target)


def rare(hanazono: Path = HANAZONO, babelstone: Path = BABELSTONE) -> None:
    """The rare-character fallbacks (see the module docstring), into rare/."""
    RARE.mkdir(exist_ok=True)
    have = _covered()

    def wanted(font: Path, skip: set[int]) -> list[int]:
        cmap = TTFont(font, lazy=True).getBestCmap()
        return sorted(u for u in cmap if u in SPACES or (u not in skip and any(a <= u <= b for a, b in IDEOGRAPHS)))

    from_hanazono = wanted(hanazono, have)
    from_babelstone = wanted(babelstone, have | set(from_hanazono))
    # Written under a temporary name and renamed: an interrupted run leaves no half font.
    for source, unicodes, family, name in (
        (hanazono, from_hanazono, "Showcase Rare Han", "ShowcaseRareHan.ttf"),
        (babelstone, from_babelstone, "Showcase Rare Han G", "ShowcaseRareHanG.ttf"),
    ):
        partial = RARE / (name + ".part")
        _subset_renamed(source, unicodes, family, partial)
        partial.replace(RARE / name)
        print(name, len(unicodes), "characters")
    for name, licence in LICENCES.items():
        (RARE / name).write_bytes(licence.read_bytes())


def emoji(fontsource_dir: Path) -> None:
    folder = Path(tempfile.mkdtemp())
    parts = []
    for woff in sorted(glob.glob(str(fontsource_dir / "files" / "noto-emoji-*-400-normal.woff"))):
        font = TTFont(woff)
        font.flavor = None
        path = folder / (Path(woff).stem + ".ttf")
        font.save(path)
        parts.append(str(path))
    Merger().merge(parts).save(HERE / "NotoEmoji-Regular.ttf")


if __name__ == "__main__":
    if sys.argv[1] == "rare":
        rare(*(Path(a) for a in sys.argv[2:4]))
    else:
        cjk_extra(Path(sys.argv[1]))
        emoji(Path(sys.argv[2]))
