"""The sample briefs read as findings: a lead computed from the data, each survey item said once and as its table
says it, examples in a person's words (a coder's memo, briefs.yaml), and a final copy without methods notes."""

from __future__ import annotations

import re
import shutil
from collections import Counter

import pytest
import yaml

from pleval.briefs.assemble import BriefContext, assemble_brief
from pleval.briefs.memos import BRIEF_TEXT
from pleval.briefs.render import _survey_rows, render_html, render_markdown, survey_note
from pleval.coding.store import CONSENSUS, CodingLog
from pleval.project import Project
from pleval.schema.survey import ROUNDING_RULE

pytestmark = pytest.mark.slow

BRIEFS = ("sustaining-strategies", "barriers", "region-northwest", "region-northeast")


@pytest.fixture(scope="module")
def sample(coded_sample, tmp_path_factory):
    root = tmp_path_factory.mktemp("findings") / "sample"
    shutil.copytree(coded_sample, root)
    project = Project.open(root)
    context = BriefContext.load(project)
    return project, context, {b: assemble_brief(project, b, context=context).brief for b in BRIEFS}


def topics(project) -> dict[str, str]:
    declared = yaml.safe_load(project.briefs_path.read_text(encoding="utf-8"))["themes"]
    return {code: wording["topic"] for code, wording in declared.items()}


def test_the_lead_names_the_most_and_least_voiced_themes_computed_from_the_data(sample):
    project, _, briefs = sample
    words = topics(project)
    for brief in briefs.values():
        reach = {t.code_id: t.prevalence.sites for t in brief.themes}
        lead = " ".join(brief.lead)
        assert not re.search(r"came up in \d+ and", lead)  # not a list of every theme's count
        if len(set(reach.values())) == 1:
            assert "came up alike" in lead, brief.id
            continue
        most = [c for c, n in reach.items() if n == max(reach.values())]
        least = [c for c, n in reach.items() if n == min(reach.values())]
        found = re.search(r"(.+) came up most widely, (?:each )?in .+?, and (.+) least", lead)
        assert found, (brief.id, lead)
        top, bottom = found[1].casefold(), found[2].casefold()
        assert all(words[c] in top for c in most) and all(words[c] in bottom for c in least), brief.id
        assert not any(words[c] in top for c in least)
    # where: the least voiced theme of the seed-shaped brief was voiced in no school of one region, named
    sustaining = briefs["sustaining-strategies"]
    trust = next(t for t in sustaining.themes if t.code_id == "administrator_trust").prevalence
    missing = [r for r in trust.spread_total if r not in trust.spread]
    assert missing and f"but in no school in {missing[0]} Ohio" in " ".join(sustaining.lead)


def test_the_lead_gives_the_briefs_strongest_and_weakest_survey_figures(sample):
    _, _, briefs = sample
    for brief in briefs.values():
        shown = [f.figure for t in brief.themes for f in t.figures if not f.figure.suppressed]
        high, low = max(shown, key=lambda f: f.percent), min(shown, key=lambda f: f.percent)
        sentence = next(s for s in brief.lead if s.startswith("In the survey"))
        assert f"agreed most that {high.agreed_that} ({int(high.percent + 0.5)}%)" in sentence
        assert f"least that {low.agreed_that} ({int(low.percent + 0.5)}%)" in sentence


def test_each_survey_item_is_said_once_per_brief_and_as_its_table_says_it(sample):
    _, _, briefs = sample
    region = briefs["region-northwest"]  # time_to_collaborate is linked to two of its themes
    for brief in briefs.values():
        items = [f.figure.item_id for t in brief.themes for f in t.figures]
        assert len(items) == len(set(items)), brief.id
        text = render_markdown(brief, {})
        for theme in brief.themes:
            for figure in theme.figures:
                assert text.count(figure.figure.agreed_that) == 1 + " ".join(brief.lead).count(
                    figure.figure.agreed_that), (brief.id, figure.figure.item_id)
        # one rounding rule: the sentence's percent is the table's, and the rule is stated once
        rows = {row["wording"]: row["percent"] for row in _survey_rows(brief)}
        for theme in brief.themes:
            for figure in theme.figures:
                said = re.search(r"(\d+)% agreed", figure.sentence)
                assert said and f"{said[1]}%" == rows[figure.figure.wording]
        assert "pproximately" not in text
        assert text.count(ROUNDING_RULE) == 1 and ROUNDING_RULE in survey_note(brief)
        drafted = [*brief.lead, *[s for t in brief.themes for s in (*t.narrative, *(f.sentence for f in t.figures))]]
        assert not [s for s, n in Counter(drafted).items() if n > 1], brief.id  # no sentence said twice
    assert sum(len(t.figures) for t in region.themes) == len({f.figure.item_id for t in region.themes
                                                             for f in t.figures})


def test_the_coding_source_detail_is_in_the_methods_note_once_and_never_in_a_final_copy(sample):
    _, _, briefs = sample
    brief = briefs["sustaining-strategies"]
    draft, final = render_markdown(brief, {}), render_markdown(brief, {}, final=True)
    assert not any("Counts come from" in s for t in brief.themes for s in t.narrative)
    assert draft.count("Counts come from") == 1 and "Methods note" in draft
    page = re.sub(r"<style>.*?</style>|<[^>]+>", " ", render_html(brief, {}, final=True), flags=re.S)
    for text in (final, page):
        for draft_only in ("Counts come from", "Methods note", "Provisional", "provisional", "Krippendorff",
                           "Draft brief", "For reviewers", "rule-based", "consensus"):
            assert draft_only not in text, draft_only
    assert brief.provenance["coding_sources"]  # the provenance stays in the JSON


def test_a_coders_memo_or_the_briefs_text_says_what_the_person_described(sample):
    project, context, briefs = sample
    brief = briefs["sustaining-strategies"]
    examples = [q for t in brief.themes for q in t.examples]
    memos = {(t, s, e, c): ev.memo for (t, s, e, c), ev in
             CodingLog(project.codings_dir, CONSENSUS).replay().memos().items()}
    by_memo = [q for q in examples if q.provenance.described_by == CONSENSUS]
    assert by_memo and all(q.described in memos.values() for q in by_memo)
    hand = [q for q in examples if q.provenance.described_by == BRIEF_TEXT]
    spec = context.briefs.brief("sustaining-strategies")
    assert [q.described for q in hand] == [" ".join(v.split()) for v in spec.text.examples.values()]
    for quote in by_memo + hand:
        sentence = next(s for t in brief.themes for s in t.example_sentences if quote.text in s)
        assert sentence.startswith(f"{quote.attribution} {quote.described}") and sentence.endswith(f"“{quote.text}”")
        assert len(quote.text.split()) <= 35  # the embedded quote is short
    plain = [q for q in examples if q.described is None]
    for quote in plain:  # without a person's words, the attributed quote alone
        assert f"{quote.attribution} said, “{quote.text}”" in [s for t in brief.themes for s in t.example_sentences]


def test_a_new_memo_on_a_quoted_turn_becomes_its_description_de_identified(fresh_sample):
    context = BriefContext.load(fresh_sample)
    brief = assemble_brief(fresh_sample, "barriers", context=context).brief
    # a quote no one has described yet, of a turn the consensus coded (a memo of another coder's does not change
    # how the turn is counted)
    theme, quote = next((t, q) for t in brief.themes for q in t.examples
                        if q.described is None and q.provenance.source == "consensus")
    transcript = next(t for t in context.counted.transcripts if t.text_hash == quote.provenance.transcript_sha256)
    turn = transcript.turns[int(quote.provenance.segment[1:])]
    name = next(p.name for p in transcript.meta.participants if p.name and p.role != "interviewer")
    log = CodingLog(fresh_sample.codings_dir, "cy")
    fields = dict(transcript_id=transcript.id, transcript_hash=transcript.text_hash, start=turn.start, end=turn.end,
                  segment_id=f"{transcript.id}:t{turn.index:03d}")
    log.append("memo", **fields, code_id="learner_driven", memo="described something else entirely")  # not this theme
    log.append("memo", **fields, memo=f"described how {name} pays for the work")  # on the turn as a whole
    again = assemble_brief(fresh_sample, "barriers", context=BriefContext.load(fresh_sample)).brief
    described = next(q for t in again.themes if t.code_id == theme.code_id for q in t.examples
                     if q.provenance.transcript_sha256 == transcript.text_hash
                     and q.provenance.segment == quote.provenance.segment)
    assert described.provenance.described_by == "cy"
    assert described.described.startswith("described how [") and name not in described.described
    assert "something else" not in (described.described or "")
    assert quote.text.startswith(described.text)  # the embedded quote opens as the whole one does


def test_words_naming_what_the_attribution_left_out_are_never_used(fresh_sample):
    from pleval.briefs.attribution import Profile
    from pleval.briefs.memos import narrowing

    declaration = BriefContext.load(fresh_sample).declaration
    profile = Profile(role="principal", attributes={"region": "southwest", "locale": "rural"})
    left = dict(role="principal", profile=profile, declaration=declaration)
    assert narrowing("described the principal's team", generalised=("locale", "role"), **left) == "principal"
    assert narrowing("described a rural school", generalised=("locale",), **left) in ("rural", "a rural community")
    assert narrowing("described a school in southwest Ohio", generalised=("locale", "region"), **left)
    assert narrowing("described the principal's team", generalised=("locale",), **left) is None  # the role is said
    # drafted: a memo naming the role of a speaker whose attribution dropped it leaves the example without it
    context = BriefContext.load(fresh_sample)
    brief = assemble_brief(fresh_sample, "region-southwest", context=context).brief
    # (on a turn the consensus coded: a memo of another coder's does not change how the turn is counted)
    quote = next(q for t in brief.themes for q in t.examples if "role" in q.generalised and q.described is None
                 and q.provenance.source == "consensus")
    theme = next(t for t in brief.themes if quote in t.examples)
    transcript = next(t for t in context.counted.transcripts if t.text_hash == quote.provenance.transcript_sha256)
    turn = transcript.turns[int(quote.provenance.segment[1:])]
    noun = declaration.role(quote.role).singular
    CodingLog(fresh_sample.codings_dir, "cy").append(
        "memo", transcript_id=transcript.id, transcript_hash=transcript.text_hash, start=turn.start, end=turn.end,
        memo=f"described what the {noun} asks of the team")
    again = assemble_brief(fresh_sample, "region-southwest", context=BriefContext.load(fresh_sample)).brief
    same = next(q for t in again.themes if t.code_id == theme.code_id for q in t.examples
                if q.provenance.segment == quote.provenance.segment
                and q.provenance.transcript_sha256 == quote.provenance.transcript_sha256)
    assert same.described is None and same.text == quote.text and noun not in " ".join(
        s for t in again.themes for s in t.example_sentences if same.text in s).replace(same.text, "")
    assert {"transcript_sha256": transcript.text_hash, "segment": quote.provenance.segment, "by": "cy"} in \
        again.provenance["descriptions_left_out"]


def test_a_theme_whose_rules_were_measured_below_kappa_is_marked_where_its_counts_rest_on_them(sample):
    from pleval.learn.quality import TRUSTED_KAPPA, measured_quality

    project, _, briefs = sample
    quality = measured_quality(project)
    assert quality is not None
    marked = unmarked = 0
    for brief in briefs.values():
        for theme in brief.themes:
            figures = quality.codes.get(theme.code_id)
            rules = theme.prevalence.sources.get("rules", 0)
            note = [n for n in theme.notes if n.startswith("Automatic coding:")]
            if rules and figures is not None and figures.kappa is not None:
                assert theme.automatic_kappa == figures.kappa
            else:
                assert theme.automatic_kappa is None and not note
            if theme.automatic_kappa is not None and theme.automatic_kappa < TRUSTED_KAPPA:
                [sentence] = note
                assert f"{rules} of the {theme.prevalence.turns} turns" in sentence
                assert f"kappa {figures.kappa:.2f}" in sentence
                marked += 1
            else:
                assert not note
                unmarked += 1
    assert marked and unmarked  # the sample has both
