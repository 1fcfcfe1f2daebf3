"""Which text encoding a file's bytes are in, told from its byte order mark, NUL pattern and lines.

The analyzer reads UTF-8 only: a UTF-16/32 file with a byte order mark fails the job, one without is
read as garbage (ASCII interleaved with NUL bytes is valid UTF-8), and a line with bytes that are
not UTF-8 (Latin-1 text, say) is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

UTF8, UTF8_BOM = "UTF-8", "UTF-8 with BOM"
# Longest first: the UTF-32LE mark starts with the UTF-16LE one.
BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32LE"),
    (b"\x00\x00\xfe\xff", "UTF-32BE"),
    (b"\xff\xfe", "UTF-16LE"),
    (b"\xfe\xff", "UTF-16BE"),
    (b"\xef\xbb\xbf", UTF8_BOM),
)
PROBE_BYTES = 4096
MAX_LINE_EXAMPLES = 5


@dataclass
class Detected:
    encoding: str  # UTF-8, UTF-8 with BOM, UTF-16LE (BOM), UTF-16LE (no BOM), ...
    wide: bool = False  # UTF-16/32: the analyzer cannot read it
    has_bom: bool = False
    non_utf8_lines: int = 0
    examples: list[int] = field(default_factory=list)  # 1-based line numbers with non-UTF-8 bytes
    legacy: str | None = None  # what the non-UTF-8 lines decode as

    @property
    def family(self) -> str:
        """For comparing files: a BOM alone does not make UTF-8 another encoding."""
        if self.wide:
            return self.encoding.split(" ")[0]
        if self.non_utf8_lines:
            return f"UTF-8 with {self.legacy or 'unknown'} lines"
        return UTF8


def nul_pattern(head: bytes) -> str | None:
    """UTF-16/32 without a BOM: ASCII text has NUL bytes at fixed offsets of every code unit."""
    if len(head) < 8 or head.count(0) < len(head) // 4:
        return None
    for width, name in ((4, "UTF-32"), (2, "UTF-16")):
        units = [head[i : i + width] for i in range(0, len(head) - width + 1, width)]
        if width == 4:
            if sum(u[1:] == b"\0\0\0" for u in units) > len(units) * 0.6:
                return f"{name}LE"
            if sum(u[:3] == b"\0\0\0" for u in units) > len(units) * 0.6:
                return f"{name}BE"
        else:
            if sum(u[1] == 0 and u[0] != 0 for u in units) > len(units) * 0.6:
                return f"{name}LE"
            if sum(u[0] == 0 and u[1] != 0 for u in units) > len(units) * 0.6:
                return f"{name}BE"
    return None


def legacy_guess(lines: list[bytes]) -> str:
    """Bytes that are not UTF-8 are most often Windows-1252 or Latin-1 text (both decode any byte;
    cp1252 fails on the few bytes it leaves undefined)."""
    try:
        for line in lines:
            line.decode("cp1252")
    except UnicodeDecodeError:
        return "Latin-1"
    return "Latin-1/Windows-1252"


def detect(sample: bytes) -> Detected:
    """The encoding of a file from its first bytes (``sample``: whole lines, decompressed)."""
    for bom, name in BOMS:
        if sample.startswith(bom):
            if name == UTF8_BOM:
                detected = Detected(UTF8_BOM, has_bom=True)
                sample = sample[len(bom) :]
                break
            return Detected(f"{name} (BOM)", wide=True, has_bom=True)
    else:
        wide = nul_pattern(sample[:PROBE_BYTES])
        if wide:
            return Detected(f"{wide} (no BOM)", wide=True)
        detected = Detected(UTF8)
    bad: list[bytes] = []
    for number, line in enumerate(sample.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            detected.non_utf8_lines += 1
            if len(detected.examples) < MAX_LINE_EXAMPLES:
                detected.examples.append(number)
            if len(bad) < 100:
                bad.append(line)
    if bad:
        detected.legacy = legacy_guess(bad)
    return detected
