"""sift: turn raw web text into clean, deduplicated corpora, with a reason
for every removed line and document.

The work is done by sift's Rust core (``sift._sift``); every call that does
real work releases the GIL.

>>> import sift
>>> p = sift.Pipeline.from_toml('''
... [[stages]]
... type = "min_words"
... min = 3
... ''')
>>> [r.verdict for r in p.process(["one two three", "too short"])]
['keep', 'remove']

Multi-machine runs: :mod:`sift.ray`.
"""

from ._sift import (
    ConfigError,
    Pipeline,
    ProcessIter,
    ProcessResult,
    RemovedLine,
    SiftError,
    __version__,
    clean_lines,
    minhash,
    minhash_similarity,
    preset_toml,
    presets,
)

__all__ = [
    "ConfigError",
    "Pipeline",
    "ProcessIter",
    "ProcessResult",
    "RemovedLine",
    "SiftError",
    "__version__",
    "clean_lines",
    "minhash",
    "minhash_similarity",
    "preset_toml",
    "presets",
]
