import pytest

from pleval.coding.run import code_project, codings_frame, load_segments, summary_table
from pleval.errors import CodebookError


def test_codes_every_transcript_and_reuses_the_cache(make_project):
    project = make_project(transcripts=["two_speakers.txt", "zoom_voice_tags.vtt", "zoom_name_prefix.vtt"])
    first = code_project(project, progress=False)
    assert sorted(first.coded) == ["two-speakers", "zoom-name-prefix", "zoom-voice-tags"] and first.cached == []
    assert {(c.transcript_id, c.code_id) for c in first.codings} == {
        ("two-speakers", "funding"), ("two-speakers", "time"), ("zoom-voice-tags", "funding"),
        ("zoom-name-prefix", "time"),
    }
    second = code_project(project, progress=False)
    assert second.coded == [] and len(second.cached) == 3
    assert second.codings == first.codings


def test_a_changed_transcript_or_codebook_is_recoded(make_project):
    project = make_project(transcripts=["two_speakers.txt", "zoom_voice_tags.vtt"])
    code_project(project, progress=False)
    path = project.transcripts_dir / "two_speakers.txt"
    path.write_text(path.read_text().replace("Sure.", "Sure, sure."))
    assert code_project(project, progress=False).coded == ["two-speakers"]
    project.codebook_path.write_text(project.codebook_path.read_text().replace("- grant\n", "- grants\n"))
    assert len(code_project(project, progress=False).coded) == 2
    assert len(code_project(project, progress=False, force=True).coded) == 2


def test_every_coding_records_the_codebook_and_transcript_hash(make_project):
    project = make_project(transcripts=["two_speakers.txt"])
    run = code_project(project, progress=False)
    transcript = run.transcripts[0]
    assert {c.codebook_hash for c in run.codings} == {run.codebook.hash}
    assert {c.transcript_hash for c in run.codings} == {transcript.text_hash}


def test_broken_transcripts_are_skipped_and_reported(make_project):
    project = make_project(transcripts=["two_speakers.txt"], bad=["unknown_speaker.txt"])
    run = code_project(project, progress=False)
    assert [t.id for t in run.transcripts] == ["two-speakers"]
    assert "unknown_speaker.txt" in str(run.problems[0])


def test_an_invalid_codebook_stops_coding(make_project):
    project = make_project(transcripts=["two_speakers.txt"], codebook="bad_colour.yaml")
    with pytest.raises(CodebookError):
        code_project(project, progress=False)


def test_segments_come_back_from_the_cache_with_sentences(make_project):
    project = make_project(transcripts=["two_speakers.txt"])
    run = code_project(project, progress=False)
    segments = load_segments(project, run.transcripts[0], run.codebook)
    assert [s.id for s in segments] == [f"two-speakers:t00{i}" for i in range(4)]
    assert [s.text for s in segments[1].sentences] == [
        "Oh, it's going.", "We ran out of grant money in March, honestly.",
        "And Tom Brandt said we could keep the stipends anyway.",
    ]
    for segment in segments:
        for sentence in segment.sentences:
            assert run.transcripts[0].text[sentence.start : sentence.end] == sentence.text


def test_tidy_table_and_summary(make_project):
    project = make_project(transcripts=["two_speakers.txt", "focus_group_p_labels.txt"])
    run = code_project(project, progress=False)
    frame = codings_frame(run.transcripts, run.codings, run.declaration)
    assert list(frame.columns) == [  # the site under the sample's key, then its attributes, in declared order
        "transcript_id", "segment_id", "start", "end", "speaker", "role", "school", "district", "region",
        "school_level", "locale", "pathway", "code_id", "coder", "source", "score", "evidence", "text",
        "codebook_hash", "transcript_hash"]
    assert list(codings_frame(run.transcripts, run.codings).columns)[6] == "site"  # with no declaration
    assert set(frame["source"]) == {"rules"}
    row = frame[frame["transcript_id"] == "focus-group-p-labels"].iloc[0]
    assert (row["speaker"], row["role"], row["text"]) == ("P1", "teacher", "The budget for subs, mostly.")
    table = summary_table(frame, "role", run.codebook.code_ids)
    assert table.loc["teacher", "funding"] == 2 and table.loc["teacher", "total"] == 3


def test_coding_in_two_processes_gives_the_same_codings(make_project, monkeypatch):
    import pleval.coding.run

    project = make_project(transcripts=["two_speakers.txt", "zoom_voice_tags.vtt", "zoom_name_prefix.vtt"])
    alone = code_project(project, progress=False, force=True)
    monkeypatch.setattr(pleval.coding.run, "PARALLEL_FROM", 1)  # the sample is too small to be worth processes
    together = code_project(project, progress=False, force=True, jobs=2)
    assert together.codings == alone.codings and together.coded == alone.coded


def test_the_rules_cache_is_one_file_rewritten_only_when_something_is_coded(make_project):
    project = make_project(transcripts=["two_speakers.txt", "zoom_voice_tags.vtt"])
    first = code_project(project, progress=False)
    pack = project.output_path("cache", "rules.pack")
    assert not project.output_path("cache", "rules").exists()
    written = pack.read_bytes()
    assert code_project(project, progress=False).cached == ["two-speakers", "zoom-voice-tags"]
    assert pack.read_bytes() == written  # nothing coded, nothing written
    path = project.transcripts_dir / "two_speakers.txt"
    path.write_text(path.read_text().replace("Sure.", "Sure, sure."))
    again = code_project(project, progress=False)
    assert again.coded == ["two-speakers"] and again.cached == ["zoom-voice-tags"]
    assert [c for c in again.codings if c.transcript_id == "zoom-voice-tags"] == [
        c for c in first.codings if c.transcript_id == "zoom-voice-tags"]


def test_a_damaged_rules_cache_is_coded_afresh(make_project):
    project = make_project(transcripts=["two_speakers.txt"])
    first = code_project(project, progress=False)
    pack = project.output_path("cache", "rules.pack")
    head, line = pack.read_bytes().split(b"\n")
    pack.write_bytes(head + b"\n" + line[: len(line) // 2])  # a torn entry
    again = code_project(project, progress=False)
    assert again.coded == ["two-speakers"] and again.codings == first.codings
    assert code_project(project, progress=False).cached == ["two-speakers"]
    cached = load_segments(project, first.transcripts[0], first.codebook)
    pack.write_text("not a pack")
    assert load_segments(project, first.transcripts[0], first.codebook) == cached  # worked out afresh


def test_coding_leaves_no_reference_cycles(make_project):
    """code_project pauses the cyclic collector while it codes, which is only harmless if coding makes none.

    Counted in a fresh interpreter: in the test process, other tests' background threads (a Dask client, a
    browser driver) may leave garbage of their own at any moment."""
    import subprocess
    import sys

    project = make_project(transcripts=["two_speakers.txt", "zoom_voice_tags.vtt", "focus_group_p_labels.txt"])
    script = f"""
import gc
from pleval.inputs.cache import load_codebook_cached, load_transcripts_cached
from pleval.project import Project
from pleval.nlp.rules import RuleCoder
project = Project.open({str(project.root)!r})
transcripts, _ = load_transcripts_cached(project)
coder = RuleCoder(load_codebook_cached(project))
coder.code_transcript(transcripts[0])  # the pipeline is built (and may keep cycles of its own) once
gc.collect()
gc.disable()
codings = [c for t in transcripts for c in coder.code_transcript(t)[1]]
print(gc.collect(), len(codings))
"""
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    cycles, codings = map(int, found.stdout.split())
    assert cycles == 0 and codings > 0


def test_codings_are_made_when_first_asked_for(sample_project):
    run = code_project(sample_project, progress=False)
    count = run.coding_count
    assert run.rows and count == sum(len(rows) for rows in run.rows.values())
    codings = run.codings
    assert len(codings) == count == run.coding_count and not run.rows  # the rows go once the codings are made
    assert codings == code_project(sample_project, progress=False, force=True).codings
    assert [c.transcript_id for c in codings] == sorted((c.transcript_id for c in codings),
                                                        key=[t.id for t in run.transcripts].index)
