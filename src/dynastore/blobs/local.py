"""LocalBlobStore: a directory laid out like an S3 bucket, for development and tests.

``root/{key}`` holds each blob's bytes, so the tree reads like the bucket.
Under ``root/.dynastore/`` (a prefix no key may use) live the metadata
sidecars (``meta/{key}.json``, written only when a blob has metadata or a
content type its name does not imply) and the temporary files of writes in
progress. A write goes to a temporary file and is renamed into place, so a
reader sees the old blob or the new one, never a part of either.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path

from ..errors import DynastoreError, ItemNotFound, StoreUnavailable, ValidationError
from .base import (
    CHUNK_BYTES,
    LOCAL_HOST,
    BlobInfo,
    Source,
    check_data,
    check_metadata,
    guess_content_type,
    iter_source,
    key_in,
    make_url,
)
from .keys import RESERVED_PREFIX, validate_key, validate_prefix

DEFAULT_ROOT = "./data/local_storage"
_URL_PREFIX = f"local://{LOCAL_HOST}/"


class LocalBlobStore:
    """Blobs as files under ``root`` (default ``./data/local_storage/``), URLs ``local://storage/{key}``.

    ``durable=True`` fsyncs each file before it is renamed into place and its
    directory after, so a blob survives a power cut once ``put`` returns
    (slower; S3 is durable anyway).
    """

    scheme = "local"

    def __init__(self, root: str | os.PathLike[str] = DEFAULT_ROOT, *, durable: bool = False):
        self.root = Path(root).absolute()
        self.durable = durable
        self._root = str(self.root)
        self._tmp_root = os.path.join(self._root, RESERVED_PREFIX, "tmp")
        self._meta_root = os.path.join(self._root, RESERVED_PREFIX, "meta")
        try:
            os.makedirs(self._tmp_root, exist_ok=True)
        except OSError as e:
            raise _translate(e, f"cannot create local blob storage at {self.root}") from e

    def __repr__(self) -> str:
        return f"<LocalBlobStore {self.root}>"

    def close(self) -> None:
        pass

    # -- paths -----------------------------------------------------------------

    def _path(self, key: str) -> str:
        # a valid key has no empty, '.', '..' or absolute segment: joining is concatenating (os.path.join
        # segment by segment cost more than the stat it precedes)
        return self._root + os.sep + (validate_key(key) if os.sep == "/" else validate_key(key).replace("/", os.sep))

    def _meta_path(self, key: str) -> str:
        return os.path.join(self._meta_root, *key.split("/")) + ".json"

    def url(self, key: str) -> str:
        return make_url(self.scheme, LOCAL_HOST, validate_key(key))

    def key_from_url(self, url: str) -> str:
        if isinstance(url, str) and url.startswith(_URL_PREFIX) and not any(c in url for c in "%?#"):
            return validate_key(url[len(_URL_PREFIX):])  # nothing quoted: the path is the key
        return key_in(url, self.scheme, LOCAL_HOST)

    # -- writes ----------------------------------------------------------------

    def put(self, key: str, data: bytes, *, content_type: str | None = None,
            metadata: Mapping[str, str] | None = None) -> BlobInfo:
        return self.put_stream(key, (check_data(data),), content_type=content_type, metadata=metadata)

    def put_stream(self, key: str, source: Source, *, content_type: str | None = None,
                   metadata: Mapping[str, str] | None = None) -> BlobInfo:
        path = self._path(key)
        meta = check_metadata(metadata)
        ctype = guess_content_type(key, content_type)
        tmp = self._tmp_root + os.sep + uuid.uuid4().hex
        chunks = iter_source(source)
        reading = False  # the caller's source failing is the caller's error, passed on as it is
        try:
            size = 0
            # a bare descriptor: a buffered file object costs more to set up than the few writes it would save
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_CLOEXEC, 0o666)
            try:
                while True:
                    reading = True
                    chunk = next(chunks, None)
                    reading = False
                    if chunk is None:
                        break
                    _write_all(fd, chunk)
                    size += len(chunk)
                if self.durable:
                    os.fsync(fd)
            finally:
                os.close(fd)
            self._write_sidecar(key, ctype, meta)
            self._rename_into_place(tmp, path, key)
            if self.durable:
                _fsync_dir(os.path.dirname(path))  # the rename itself, too, must reach the disk
        except BaseException as e:
            _unlink(tmp)
            if isinstance(e, OSError) and not reading:
                raise _translate(e, f"cannot write blob {key!r}") from e
            raise
        return BlobInfo(key, size, make_url(self.scheme, LOCAL_HOST, key), datetime.now(timezone.utc), ctype, meta)

    def _write_sidecar(self, key: str, ctype: str, meta: dict[str, str]) -> None:
        if not meta and ctype == guess_content_type(key, None):
            # What the name implies needs no sidecar; remove one left by an older blob (if any ever was written).
            if os.path.isdir(self._meta_root):
                _unlink(self._meta_path(key))
            return
        side = self._meta_path(key)
        tmp = os.path.join(self._tmp_root, uuid.uuid4().hex + ".json")
        try:
            with open(tmp, "w") as f:
                f.write(json.dumps({"content_type": ctype, "metadata": meta}))
            os.makedirs(os.path.dirname(side), exist_ok=True)
            os.replace(tmp, side)
        except BaseException:
            _unlink(tmp)
            raise

    def _rename_into_place(self, tmp: str, path: str, key: str) -> None:
        for _ in range(5):
            try:
                os.replace(tmp, path)
                return
            except FileNotFoundError:
                if not os.path.exists(tmp):
                    raise
            except (NotADirectoryError, IsADirectoryError) as e:
                raise _clash(key, e) from None
            try:  # the directory is missing (new, or pruned by a concurrent delete): make it and try again
                os.makedirs(os.path.dirname(path), exist_ok=True)
            except (NotADirectoryError, FileExistsError) as e:
                raise _clash(key, e) from None
        raise StoreUnavailable(f"cannot write blob {key!r}: its directory kept disappearing")

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            _unlink(self._meta_path(key))
            os.unlink(path)
        except FileNotFoundError:
            return
        except IsADirectoryError:
            return  # "a" when only "a/b" exists: no blob named "a"
        except OSError as e:
            raise _translate(e, f"cannot delete blob {key!r}") from e
        _prune(os.path.dirname(path), self._root)

    # -- reads -----------------------------------------------------------------

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            fd = os.open(path, os.O_RDONLY | _O_CLOEXEC)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ItemNotFound(f"no blob {key!r} in {self.root}") from None
        except OSError as e:
            raise _translate(e, f"cannot read blob {key!r}") from e
        try:
            return _read_all(fd)
        except IsADirectoryError:  # os.open opens a directory; reading it fails
            raise ItemNotFound(f"no blob {key!r} in {self.root}") from None
        except OSError as e:
            raise _translate(e, f"cannot read blob {key!r}") from e
        finally:
            os.close(fd)

    def iter_chunks(self, key: str, chunk_size: int = CHUNK_BYTES) -> Iterator[bytes]:
        path = self._path(key)
        try:
            f = open(path, "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ItemNotFound(f"no blob {key!r} in {self.root}") from None
        with f:  # an open file keeps its bytes even if a put replaces the blob meanwhile
            while chunk := f.read(chunk_size):
                yield chunk

    def get_from_url(self, url: str) -> bytes:
        return self.get(self.key_from_url(url))

    def head(self, key: str) -> BlobInfo:
        path = self._path(key)
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            raise ItemNotFound(f"no blob {key!r} in {self.root}") from None
        if not stat.S_ISREG(st.st_mode):
            raise ItemNotFound(f"no blob {key!r} in {self.root}")
        return self._info(key, st.st_size, st.st_mtime)

    def _info(self, key: str, size: int, mtime: float) -> BlobInfo:
        ctype, meta = guess_content_type(key, None), {}
        try:
            with open(self._meta_path(key)) as f:
                side = json.load(f)
            ctype, meta = side["content_type"], side["metadata"]
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError):
            pass  # a damaged sidecar: the blob itself is still good
        return BlobInfo(key, size, self.url(key), _mtime(mtime), ctype, meta)

    def exists(self, key: str) -> bool:
        return os.path.isfile(self._path(key))

    def list(self, prefix: str = "") -> Iterator[BlobInfo]:
        validate_prefix(prefix)
        base = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = os.path.join(self._root, *base.split("/")) if base else self._root
        found: list[tuple[bytes, str, os.stat_result]] = []
        for dirpath, dirnames, filenames in os.walk(start):
            if dirpath == self._root and RESERVED_PREFIX in dirnames:
                dirnames.remove(RESERVED_PREFIX)
            rel = os.path.relpath(dirpath, self._root)
            for name in filenames:
                key = name if rel == "." else f"{rel.replace(os.sep, '/')}/{name}"
                if not key.startswith(prefix):
                    continue
                try:
                    st = os.stat(os.path.join(dirpath, name))
                except FileNotFoundError:
                    continue  # deleted while we listed
                found.append((key.encode(), key, st))
        found.sort(key=lambda t: t[0])
        for _, key, st in found:  # as S3 lists: no metadata, the type guessed from the name (head has both)
            yield BlobInfo(key, st.st_size, make_url(self.scheme, LOCAL_HOST, key), _mtime(st.st_mtime),
                           guess_content_type(key, None))


def _mtime(t: float) -> datetime:
    return datetime.fromtimestamp(t, timezone.utc)


def _clash(key: str, e: OSError) -> ValidationError:
    return ValidationError(f"blob key {key!r} clashes with another blob's key: the local store cannot hold both "
                           "'a' and 'a/b' (S3 can)", cause=e)


def _fsync_dir(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_MAX_READ = 0x7FFFF000  # Linux returns at most this much from one read()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_all(fd: int) -> bytes:
    """The whole file, in one read when it has the size fstat gives (a regular file's read is short only at its
    end, below Linux's cap on one read); read on to the end otherwise."""
    size = os.fstat(fd).st_size
    first = os.read(fd, size + 1)
    if len(first) == size and size < _MAX_READ:
        return first
    parts = [first]
    while chunk := os.read(fd, CHUNK_BYTES):
        parts.append(chunk)
    return b"".join(parts)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _prune(directory: str, root: str) -> None:
    """Remove directories left empty by a delete, up to (not including) the root."""
    while directory != root and directory.startswith(root + os.sep):
        try:
            os.rmdir(directory)
        except OSError:
            return  # not empty (or already gone / in use): stop
        directory = os.path.dirname(directory)


def _translate(e: OSError, what: str) -> DynastoreError:
    if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EAGAIN, errno.EMFILE, errno.ENFILE):
        return StoreUnavailable(f"{what}: {e.strerror}", code=errno.errorcode.get(e.errno or 0), cause=e)
    if isinstance(e, PermissionError):
        return DynastoreError(f"{what}: permission denied ({e.filename})", code="AccessDenied", cause=e)
    return StoreUnavailable(f"{what}: {e.strerror or e}", cause=e)
