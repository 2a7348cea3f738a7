"""The dossier's fonts: CJK TrueType fonts from Debian's packages, embedded (as subsets) in
every PDF, so that it renders on a machine without any CJK font.

GB/T 9704 sets the title in 小标宋, the body in 仿宋, first-level headings in 黑体 and
second-level ones in 楷体; the free fonts nearest to them are AR PL UMing (明体/宋体), AR PL
UKai (楷体) and WenQuanYi Zen Hei (黑体). ``ops/setup-env.sh`` installs them; a missing one
stops the export with the command that installs it (no silent fallback to a font that would
not be embedded).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ledger.errors import LedgerError

__all__ = ["FONTS", "FontMissing", "register_fonts"]


@dataclass(frozen=True)
class Font:
    name: str
    path: Path
    #: which face of a TrueType collection (the simplified-Chinese one)
    index: int
    package: str


FONTS = {
    "song": Font("DossierSong", Path("/usr/share/fonts/truetype/arphic/uming.ttc"), 0, "fonts-arphic-uming"),
    "kai": Font("DossierKai", Path("/usr/share/fonts/truetype/arphic/ukai.ttc"), 0, "fonts-arphic-ukai"),
    "hei": Font("DossierHei", Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0, "fonts-wqy-zenhei"),
}


class FontMissing(LedgerError):
    code = "font-missing"


def register_fonts() -> dict[str, str]:
    """Register the fonts with reportlab (once per process); role → registered font name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    registered = set(pdfmetrics.getRegisteredFontNames())
    for font in FONTS.values():
        if font.name in registered:
            continue
        if not font.path.is_file():
            raise FontMissing(
                f"the dossier's font {font.path} is not installed: apt-get install {font.package} "
                "(ops/setup-env.sh installs it)"
            )
        pdfmetrics.registerFont(TTFont(font.name, str(font.path), subfontIndex=font.index))
    return {role: font.name for role, font in FONTS.items()}
