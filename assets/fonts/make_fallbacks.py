"""How the two fallback fonts in this folder were made (run once by hand; kept so anyone
can make them again and check them). Needs fontTools (in requirements.lock).

ShowcaseCJKExtra-{Regular,Bold}.otf: the characters that Noto Sans CJK SC 2.004 (Debian's
fonts-noto-cjk 1:20220127, NotoSansCJK-{Regular,Bold}.ttc, face 2 "Noto Sans CJK SC") has
and Noto Sans SC (Google Fonts' static instances) lacks, without Hangul: chiefly CJK
Extension B and later (rare characters in people's and places' names, such as 𠮷).

NotoEmoji-Regular.ttf: Noto Emoji (monochrome) from npm @fontsource/noto-emoji@5.3.2, its
twelve weight-400 unicode-range subsets (files/noto-emoji-*-400-normal.woff) merged back into
one font.

Usage: python make_fallbacks.py CJK_TTC_DIR FONTSOURCE_NOTO_EMOJI_DIR
"""

import glob
import sys
import tempfile
from pathlib import Path

from fontTools import subset
from fontTools.merge import Merger
from fontTools.ttLib import TTCollection, TTFont

HERE = Path(__file__).resolve().parent
HANGUL = [(0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF)]


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
    cjk_extra(Path(sys.argv[1]))
    emoji(Path(sys.argv[2]))
