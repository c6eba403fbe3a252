"""Type stubs of sift's Rust core (``sift._sift``)."""

import os
from typing import Any, Dict, Iterable, Iterator, List, Literal, Optional, Tuple, Union

_Path = Union[str, "os.PathLike[str]"]
_Input = Union[_Path, Iterable[_Path]]
_Compression = Literal["gzip", "zstd", "none"]

__version__: str

class SiftError(Exception):
    """A sift run failed (I/O, output directory, invariant)."""

class ConfigError(SiftError):
    """A pipeline file or preset is invalid; the message names the key."""

class RemovedLine:
    """A line a cleaner removed."""

    @property
    def line(self) -> int:
        """0-based index of the line in the original text (split on ``\\n``)."""
    @property
    def text(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def stage(self) -> str: ...

class ProcessResult:
    """What the pipeline did with one input record."""

    @property
    def id(self) -> str:
        """The record's id field, or ``<python>:N`` (N = 1-based position)."""
    @property
    def verdict(self) -> Literal["keep", "remove", "reject"]: ...
    @property
    def kept(self) -> bool: ...
    @property
    def reason(self) -> Optional[str]:
        """Why the document was removed (or the record's error kind if rejected)."""
    @property
    def stage(self) -> Optional[str]:
        """Stage that removed the document."""
    @property
    def reasons(self) -> List[str]:
        """Document reason first, then each distinct line reason."""
    @property
    def text(self) -> str:
        """Text after the stages that ran (cleaned)."""
    @property
    def original_text(self) -> str: ...
    @property
    def removed_lines(self) -> List[RemovedLine]: ...
    @property
    def error(self) -> Optional[str]:
        """For rejected records: what is wrong."""
    @property
    def sift(self) -> Dict[str, Any]:
        """The ``sift`` object of the output record."""
    @property
    def record(self) -> Dict[str, Any]:
        """The record exactly as ``sift run`` writes it."""

class ProcessIter(Iterator[ProcessResult]):
    """Lazy iterator of results, in input order."""

    def __iter__(self) -> "ProcessIter": ...
    def __next__(self) -> ProcessResult: ...
    @property
    def stats(self) -> Dict[str, Any]:
        """Counts so far, in the layout of ``stats.json``."""

class Pipeline:
    """A built, validated sift pipeline."""

    @staticmethod
    def from_toml(source: _Path) -> "Pipeline":
        """From a TOML file (path) or TOML text; a str naming an existing file is read."""
    @staticmethod
    def preset(name: str) -> "Pipeline":
        """A built-in pipeline (see :func:`presets`)."""
    @property
    def stages(self) -> List[str]: ...
    @property
    def description(self) -> str: ...
    @property
    def fields(self) -> Tuple[str, str]:
        """``(text_key, id_key)``."""
    def to_toml(self) -> str: ...
    def run(
        self,
        input: _Input,
        output: _Path,
        *,
        threads: int = 0,
        overwrite: bool = False,
        compression: _Compression = "zstd",
        level: Optional[int] = None,
        batch_docs: int = 2048,
        text_key: Optional[str] = None,
        id_key: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Run like ``sift run``; returns the statistics written to ``OUTPUT/stats.json``."""
    def process(
        self,
        docs: Iterable[Union[Dict[str, Any], str]],
        *,
        batch_size: int = 512,
        text_key: Optional[str] = None,
        id_key: Optional[str] = None,
    ) -> ProcessIter:
        """Process dicts (JSONL records) or strings; lazy, parallel, GIL released."""

def clean_lines(text: str) -> ProcessResult:
    """The ``junk_lines`` cleaner (default settings) on one text: ``text`` is
    the cleaned text, ``removed_lines`` says which lines went and why."""

def minhash(
    text: str,
    *,
    n_grams: int = 5,
    bands: int = 14,
    rows: int = 8,
    seed: int = 1,
    tokenizer: Literal["spacy_en", "whitespace"] = "spacy_en",
) -> Optional[List[int]]:
    """MinHash signature as ``minhash_dedup`` computes it (datatrove-compatible
    defaults); ``None`` when the text has fewer than ``n_grams`` words."""

def minhash_similarity(a: List[int], b: List[int]) -> float:
    """Estimated Jaccard similarity: the share of equal signature values."""

def presets() -> List[str]:
    """Names of the built-in presets."""

def preset_toml(name: str) -> str:
    """The TOML text of a built-in preset."""

# Building blocks of distributed runs (used by sift.ray).
def shard_names(input: _Input) -> List[Tuple[str, int]]: ...
def prepare_run(
    pipeline: Pipeline,
    input: _Input,
    output: _Path,
    *,
    overwrite: bool = False,
    compression: _Compression = "zstd",
    level: Optional[int] = None,
) -> None: ...
def run_shards(
    pipeline: Pipeline,
    input: _Input,
    output: _Path,
    names: List[str],
    *,
    threads: int = 0,
    compression: _Compression = "zstd",
    level: Optional[int] = None,
    batch_docs: int = 2048,
) -> List[str]: ...
def finish_run(pipeline: Pipeline, output: _Path, per_shard: List[str], seconds: float) -> Dict[str, Any]: ...
def passes(pipeline: Pipeline) -> int: ...
def run_pass(
    pipeline: Pipeline,
    input: _Input,
    output: _Path,
    shard: int,
    pass_: int,
    *,
    threads: int = 0,
    compression: _Compression = "zstd",
    level: Optional[int] = None,
    batch_docs: int = 2048,
) -> Tuple[str, int]: ...
def band_records(
    pipeline: Pipeline,
    output: _Path,
    group: int,
    shard: int,
    offset: int,
    count: int,
    partitions: int,
) -> Optional[List[bytes]]: ...
def reduce_bands(parts: List[bytes]) -> bytes: ...
def decide_group(
    pipeline: Pipeline,
    output: _Path,
    group: int,
    survivors: List[int],
    buckets: Optional[List[bytes]] = None,
    *,
    threads: int = 0,
) -> str: ...
