"""Parsing never crashes on arbitrary text, and offsets always slice the text back to each turn."""

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pleval.errors import PlevalError
from pleval.inputs.transcripts import parse_transcript

from conftest import FIXTURES

HEADER = (FIXTURES / "transcripts" / "focus_group_p_labels.txt").read_text().split("---\n")[1]
labels = st.sampled_from(["P1: ", "P2: ", "Interviewer: ", "Ann Lee: ", "ANN: ", "**P3:** ", "[00:01:02] P1: ", ""])
lines = st.tuples(labels, st.text(st.characters(blacklist_categories=["Cs"]), max_size=60)).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.lists(lines, max_size=12).map("\n".join), newline=st.sampled_from(["\n", "\r\n", "\r"]))
def test_parsing_arbitrary_text_either_works_or_raises_a_pleval_error(tmp_path, body, newline):
    path = tmp_path / "t.txt"
    path.write_bytes(("---\n" + HEADER + "---\n" + body).replace("\n", newline).encode("utf-8"))
    try:
        transcript, _ = parse_transcript(path, tmp_path, site_key="school")
    except PlevalError:
        return
    assert transcript.turns
    for turn in transcript.turns:
        assert transcript.text[turn.start : turn.end] == turn.text
        assert turn.text == turn.text.rstrip()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".txt", ".md", ".vtt"]))
def test_arbitrary_bytes_never_crash_the_readers(tmp_path, data, suffix):
    path = tmp_path / f"t{suffix}"
    path.write_bytes(data)
    with contextlib.suppress(PlevalError):
        parse_transcript(path, tmp_path, site_key="school")
