"""The local store's fast paths give what the slow ones gave: content types by suffix, whole-file reads."""

from __future__ import annotations

import mimetypes

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dynastore.blobs import LocalBlobStore
from dynastore.blobs.base import DEFAULT_CONTENT_TYPE, guess_content_type
from dynastore.errors import ItemNotFound

_SEGMENT = st.text(st.sampled_from("abcXYZ019_-."), min_size=1, max_size=12)
_SUFFIX = st.sampled_from(["", ".json", ".JSON", ".tar.gz", ".tgz", ".txt.bz2", ".png", ".svgz", ".", ".x.y", ".gz"])


@given(st.lists(_SEGMENT, min_size=1, max_size=3), _SUFFIX)
def test_content_type_by_suffix_is_what_mimetypes_says(segments: list[str], suffix: str) -> None:
    key = "/".join(segments) + suffix
    assert guess_content_type(key, None) == (mimetypes.guess_type(key)[0] or DEFAULT_CONTENT_TYPE)


def test_a_given_content_type_wins() -> None:
    assert guess_content_type("a/b.json", "text/plain") == "text/plain"


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 1024 * 1024 + 3])
def test_get_reads_the_whole_blob(tmp_path, size: int) -> None:
    blobs = LocalBlobStore(tmp_path)
    data = bytes(i % 251 for i in range(size))
    blobs.put("d/blob.bin", data)
    assert blobs.get("d/blob.bin") == data


def test_get_of_a_directory_or_below_a_file_is_not_found(tmp_path) -> None:
    blobs = LocalBlobStore(tmp_path)
    blobs.put("a/b", b"x")
    for key in ("a", "a/b/c"):
        with pytest.raises(ItemNotFound):
            blobs.get(key)
