"""Uploads are staged on disk once, and what an ended session held is dropped (estimator.ui.uploads)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from estimator.ui import uploads
from estimator.ui.data import Upload, staged


@pytest.fixture(autouse=True)
def clean_registry() -> Any:
    yield
    uploads._remove_all()
    uploads._seen.clear()


def test_a_file_is_staged_once_per_content_and_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "_session_id", lambda: "s1")
    monkeypatch.setattr(uploads, "_start_janitor", lambda: None)
    first = uploads.stage("a.csv", b"text\nhi\n", "d1", "a.csv")
    written = first.stat().st_mtime_ns
    again = uploads.stage("a.csv", b"ignored: same digest", "d1", "a.csv")
    assert again == first
    assert again.read_bytes() == b"text\nhi\n"
    assert again.stat().st_mtime_ns == written
    other_name = uploads.stage("a.tsv", b"text\nhi\n", "d1", "a.tsv")
    assert other_name != first  # the name decides the format: a different name is its own file


def test_staged_upload_is_read_from_its_path_and_errors_name_the_upload(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "_session_id", lambda: "s1")
    monkeypatch.setattr(uploads, "_start_janitor", lambda: None)
    path = uploads.stage("my data.csv", b"a,b\n1,2,3\n", "d2", "my data.csv")
    upload = Upload("my data.csv", path, "d2", None, None)
    assert upload.size == 10
    from estimator.errors import DataError
    from estimator.reading.dataset import open_dataset

    with pytest.raises(DataError) as info, staged(upload.name, upload.data) as p:
        assert p == path
        with open_dataset(p) as ds:
            for _ in ds.batches(["a"]):
                pass
    assert str(path.parent) not in info.value.message
    assert info.value.message.startswith("my data.csv: line 2")


@dataclass(eq=False)
class FakeState:
    values: dict[str, object] = field(default_factory=lambda: {"upload": b"x" * 10})

    def clear(self) -> None:
        self.values.clear()


@dataclass(eq=False)
class FakeSession:
    id: str
    shut_down: bool = False
    session_state: FakeState = field(default_factory=FakeState)

    def shutdown(self) -> None:
        self.shut_down = True


@dataclass
class FakeInfo:
    session: FakeSession


@dataclass
class FakeFiles:
    file_storage: dict[str, dict[str, bytes]]
    removed: list[str] = field(default_factory=list)

    def remove_session_files(self, session_id: str) -> None:
        self.removed.append(session_id)
        self.file_storage.pop(session_id, None)


@dataclass
class FakeManager:
    live: list[str]
    sessions: dict[str, FakeSession] = field(default_factory=dict)

    def list_sessions(self) -> list[FakeInfo]:
        return [FakeInfo(self.sessions.setdefault(s, FakeSession(s))) for s in self.live]


@dataclass
class FakeRuntime:
    _session_mgr: FakeManager
    uploaded_file_mgr: FakeFiles


def fake_runtime(monkeypatch: pytest.MonkeyPatch, live: list[str], owners: list[str]) -> FakeRuntime:
    from streamlit.runtime import Runtime

    runtime = FakeRuntime(FakeManager(live), FakeFiles({s: {"f": b"x" * 10} for s in owners}))
    monkeypatch.setattr(Runtime, "exists", classmethod(lambda cls: True))
    monkeypatch.setattr(Runtime, "instance", classmethod(lambda cls: runtime))
    return runtime


def test_sweep_drops_the_uploads_and_staged_files_of_ended_sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "_start_janitor", lambda: None)
    released: list[bool] = []
    monkeypatch.setattr(uploads, "release_memory", lambda: released.append(True))
    for session, digest in (("gone", "d-gone"), ("here", "d-here"), ("gone", "d-shared"), ("here", "d-shared")):
        monkeypatch.setattr(uploads, "_session_id", lambda s=session: s)
        uploads.stage("x.csv", b"text\nhi\n", digest, "x.csv")
    folders = {d: uploads._staged[(d, "x.csv")].path.parent for d in ("d-gone", "d-here", "d-shared")}
    runtime = fake_runtime(monkeypatch, live=["here"], owners=["gone", "here"])

    assert uploads.sweep()
    assert runtime.uploaded_file_mgr.removed == ["gone"]
    assert set(runtime.uploaded_file_mgr.file_storage) == {"here"}
    assert not folders["d-gone"].exists()
    assert folders["d-here"].exists() and folders["d-shared"].exists()  # still used by a live session
    assert released == [True]

    here = runtime._session_mgr.sessions["here"]
    assert not here.shut_down
    runtime._session_mgr.live = []  # "here" expired while disconnected: Streamlit forgets it
    assert uploads.sweep()
    assert here.shut_down
    assert here.session_state.values == {}  # the upload's bytes in its widget state can go
    assert not folders["d-here"].exists() and not folders["d-shared"].exists()
    assert uploads.staged_folders() == []


def test_sweep_does_nothing_when_nothing_ended(monkeypatch: pytest.MonkeyPatch) -> None:
    released: list[bool] = []
    monkeypatch.setattr(uploads, "release_memory", lambda: released.append(True))
    runtime = fake_runtime(monkeypatch, live=["a"], owners=["a"])
    assert uploads.sweep()
    assert runtime.uploaded_file_mgr.removed == [] and released == []


def test_sweep_gives_up_quietly_when_streamlit_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.runtime import Runtime

    monkeypatch.setattr(Runtime, "exists", classmethod(lambda cls: True))
    monkeypatch.setattr(Runtime, "instance", classmethod(lambda cls: object()))
    assert uploads.sweep() is False


def test_release_memory_runs() -> None:
    uploads.release_memory()
    uploads.limit_arenas(2)


def test_an_upload_whose_bytes_are_gone_asks_to_upload_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from estimator.errors import DataError

    monkeypatch.setattr(uploads, "_session_id", lambda: "s1")
    monkeypatch.setattr(uploads, "_start_janitor", lambda: None)
    with pytest.raises(DataError, match="a.csv: this upload is no longer held by the server; upload the file again"):
        uploads.stage("a.csv", b"", "d-not-empty", "a.csv")


def test_streamlit_copy_is_emptied_once_staged(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from streamlit.runtime.uploaded_file_manager import UploadedFileRec

    data = b"text\n" + b"x" * (uploads.ON_DISK_ONLY_BYTES + 10) + b"\n"
    runtime = fake_runtime(monkeypatch, live=["s1"], owners=[])
    runtime.uploaded_file_mgr.file_storage["s1"] = {"f1": UploadedFileRec("f1", "a.csv", "text/csv", data)}  # type: ignore[dict-item]
    monkeypatch.setattr(uploads, "_session_id", lambda: "s1")

    class Uploaded(io.BytesIO):
        file_id = "f1"

    uploaded = Uploaded(data)
    uploads.on_disk_only(uploaded)
    rec = runtime.uploaded_file_mgr.file_storage["s1"]["f1"]
    assert rec.data == b"" and rec.name == "a.csv"  # type: ignore[attr-defined]
    assert uploaded.closed
