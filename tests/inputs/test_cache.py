import pleval.inputs.cache as parsecache
from pleval.errors import DecodingWarning
from pleval.inputs.cache import load_transcripts_cached
from pleval.inputs.transcripts import load_transcripts


def parse_count(monkeypatch):
    """Count real parses behind the cache."""
    calls = []
    real = parsecache.parse_transcript

    def counting(path, root, **kwargs):
        calls.append(path.name)
        return real(path, root, **kwargs)

    monkeypatch.setattr(parsecache, "parse_transcript", counting)
    return calls


def test_cached_parse_equals_a_fresh_parse_and_is_reused(make_project, monkeypatch):
    project = make_project(transcripts=["two_speakers.txt", "zoom_voice_tags.vtt", "caps_and_qa.md"])
    calls = parse_count(monkeypatch)
    first, _ = load_transcripts_cached(project)
    second, _ = load_transcripts_cached(project)
    fresh, _ = load_transcripts(project.transcripts_dir, project.root, site_key="school")
    assert len(calls) == 3  # the second load parsed nothing
    assert first == second == fresh


def test_editing_a_file_or_its_sidecar_parses_it_again(make_project, monkeypatch):
    project = make_project(transcripts=["two_speakers.txt", "zoom_voice_tags.vtt"])
    load_transcripts_cached(project)
    calls = parse_count(monkeypatch)
    text = project.transcripts_dir / "two_speakers.txt"
    text.write_text(text.read_text().replace("Sure.", "Sure, yes."))
    sidecar = project.transcripts_dir / "zoom_voice_tags.meta.yaml"
    sidecar.write_text(sidecar.read_text().replace("locale: urban", "locale: suburban"))
    transcripts, _ = load_transcripts_cached(project)
    assert sorted(calls) == ["two_speakers.txt", "zoom_voice_tags.vtt"]
    assert {t.id: t.meta.attributes["locale"] for t in transcripts}["zoom-voice-tags"] == "suburban"
    assert "Sure, yes." in transcripts[0].text


def test_warnings_survive_the_cache_and_a_broken_entry_is_replaced(make_project, monkeypatch):
    project = make_project(transcripts=["two_speakers.txt"])
    path = project.transcripts_dir / "two_speakers.txt"
    path.write_bytes(path.read_text().replace("honestly", "honestly\u2019").encode("cp1252"))
    _, first = load_transcripts_cached(project)
    parsecache.forget_loaded()  # read back from the pack, not from this process's last load
    _, second = load_transcripts_cached(project)
    assert [str(w) for w in first] == [str(w) for w in second] and "Windows-1252" in str(second[0])
    # the cached warning is the class it was parsed as, so it is filtered and caught as that class
    assert [type(w) for w in second] == [type(w) for w in first] == [DecodingWarning]
    assert [(w.path, w.line) for w in second] == [(w.path, w.line) for w in first]
    project.output_path("cache", "transcripts.pack").write_text("{not json")
    calls = parse_count(monkeypatch)
    transcripts, _ = load_transcripts_cached(project)
    assert calls == ["two_speakers.txt"] and transcripts[0].id == "two-speakers"
    assert load_transcripts_cached(project)[0] == transcripts and calls == ["two_speakers.txt"]  # pack rewritten


def test_one_pack_file_written_only_when_something_was_parsed(make_project):
    project = make_project(transcripts=["two_speakers.txt", "zoom_voice_tags.vtt"])
    load_transcripts_cached(project)
    pack = project.output_path("cache", "transcripts.pack")
    assert [p.name for p in pack.parent.iterdir()] == ["transcripts.pack"]
    written = pack.stat().st_mtime_ns
    load_transcripts_cached(project)
    assert pack.stat().st_mtime_ns == written  # nothing parsed, nothing written
    (project.transcripts_dir / "two_speakers.txt").unlink()
    transcripts, _ = load_transcripts_cached(project)
    assert [t.id for t in transcripts] == ["zoom-voice-tags"]
    assert b"two-speakers" not in pack.read_bytes()  # a removed file's entry is dropped


def test_the_validated_codebook_is_reused_until_the_file_changes(make_project, monkeypatch):
    project = make_project(transcripts=[])
    first = parsecache.load_codebook_cached(project)
    calls = []
    monkeypatch.setattr(parsecache, "load_codebook", lambda path: calls.append(path) or first)
    assert parsecache.load_codebook_cached(project) == first and calls == []
    project.codebook_path.write_text(project.codebook_path.read_text() + "\n# edited\n")
    parsecache.load_codebook_cached(project)
    assert calls == [project.codebook_path]


def test_a_process_reuses_its_last_load_until_a_transcript_changes(make_project, monkeypatch):
    project = make_project(transcripts=["two_speakers.txt", "zoom_voice_tags.vtt"])
    first, _ = load_transcripts_cached(project)

    def no_loading(*args, **kwargs):
        raise AssertionError("loaded again")

    with monkeypatch.context() as patched:
        patched.setattr(parsecache, "load_transcripts", no_loading)
        again, _ = load_transcripts_cached(project)
    assert [t.id for t in again] == [t.id for t in first] and again[0] is first[0]  # the very same objects
    path = project.transcripts_dir / "two_speakers.txt"
    path.write_text(path.read_text().replace("honestly", "frankly"))
    calls = parse_count(monkeypatch)
    changed, _ = load_transcripts_cached(project)
    assert calls == ["two_speakers.txt"] and "frankly" in next(t.text for t in changed if t.id == "two-speakers")
