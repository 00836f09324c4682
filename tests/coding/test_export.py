import pandas as pd
import pytest

from pleval.coding.export import chosen_coders, export_codings, memos_path
from pleval.coding.store import CodingLog
from pleval.errors import CoderError, LearningError
from pleval.inputs.transcripts import load_transcripts
from pleval.schema import Coding


@pytest.fixture
def project(make_project):
    project = make_project(transcripts=["two_speakers.txt", "zoom_name_prefix.vtt"])
    turns = {t.id: t.turns for t in load_transcripts(project.transcripts_dir, project.root, site_key="school")[0]}
    folder = project.root / "data" / "codings"
    ana, ben, consensus = CodingLog(folder, "ana"), CodingLog(folder, "ben"), CodingLog(folder, "consensus")
    t1, t3 = turns["two-speakers"][1], turns["two-speakers"][3]
    ana.append("apply", transcript_id="two-speakers", start=t1.start, end=t1.end, code_id="funding")
    taken_back = ana.append("apply", transcript_id="two-speakers", start=t3.start, end=t3.end, code_id="time")
    ana.append("undo", undoes=taken_back.id)
    ana.append("memo", transcript_id="two-speakers", start=t1.start, end=t1.end, memo="first thought")
    ana.append("memo", transcript_id="two-speakers", start=t1.start, end=t1.end, memo="second thought")
    undone_memo = ana.append("memo", transcript_id="two-speakers", start=t3.start, end=t3.end, memo="oops")
    ana.append("undo", undoes=undone_memo.id)
    ben.append("apply", transcript_id="two-speakers", start=t3.start, end=t3.start + 5, code_id="time")
    consensus.append("apply", transcript_id="two-speakers", start=t1.start, end=t1.end, code_id="funding")
    return project


def _model(project):
    return [Coding("two-speakers", "two-speakers:t001", 0, 4, "time", "model", "model", 0.8, "", "")]


def test_every_coder_by_default_each_row_naming_its_coder(project, tmp_path):
    target = tmp_path / "codings.csv"
    written, _ = export_codings(project, sources=["all", "model"], output=target, model_codings=_model)
    table = pd.read_csv(written)
    by_coder = table.groupby("coder")["code_id"].apply(sorted).to_dict()
    assert by_coder == {"ana": ["funding"],  # her undone 'time' coding is not exported
                        "ben": ["time"], "consensus": ["funding"], "model": ["time"],
                        "rules": ["funding", "time", "time"]}
    assert dict(zip(table["coder"], table["source"], strict=True)) == {
        "ana": "human", "ben": "human", "consensus": "consensus", "model": "model", "rules": "rules"}
    assert table.loc[table["coder"] == "ana", "segment_id"].tolist() == ["two-speakers:t001"]
    memos = pd.read_csv(memos_path(target))
    assert memos_path(target).name == "codings.memos.csv"
    assert memos[["coder", "memo"]].values.tolist() == [["ana", "second thought"]]  # latest; undone left out


def test_sources_pick_coders(project):
    assert chosen_coders(project, ["human"]) == ["ana", "ben"]
    assert chosen_coders(project, ["rules", "ben", "rules"]) == ["rules", "ben"]
    assert chosen_coders(project, ["consensus", "model"]) == ["consensus", "model"]
    # everything recorded; the model, which suggests and may have to be trained, only by name
    assert chosen_coders(project, None) == chosen_coders(project, ["all"]) == ["rules", "ana", "ben", "consensus"]


def test_an_unknown_coder_is_one_line_with_the_closest_name(project):
    with pytest.raises(CoderError) as raised:
        chosen_coders(project, ["bne"])
    assert "unknown coder 'bne'" in str(raised.value) and "did you mean 'ben'?" in str(raised.value)
    assert "\n" not in str(raised.value)


def test_xlsx_has_a_memos_sheet(project, tmp_path):
    target = tmp_path / "codings.xlsx"
    export_codings(project, fmt="xlsx", sources=["human"], output=target)
    sheets = pd.read_excel(target, sheet_name=None)
    assert list(sheets) == ["codings", "memos"]
    assert sorted(sheets["codings"]["coder"]) == ["ana", "ben"]
    assert sheets["memos"]["memo"].tolist() == ["second thought"]


def test_all_never_trains_the_model_and_a_model_that_cannot_learn_is_an_error(project, tmp_path):
    def untrainable(project):
        raise LearningError("too little human coding to learn from")

    _, problems = export_codings(project, output=tmp_path / "all.csv", model_codings=untrainable)
    assert not problems
    assert set(pd.read_csv(tmp_path / "all.csv")["coder"]) == {"rules", "ana", "ben", "consensus"}
    with pytest.raises(LearningError):
        export_codings(project, sources=["model"], output=tmp_path / "model.csv", model_codings=untrainable)
