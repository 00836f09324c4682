"""Check a whole project and list every problem at once."""

from __future__ import annotations

from .briefs.config import check_briefs
from .briefs.terms import load_decisions
from .errors import Problem, ProblemReport, ProjectError, ProjectWarning, TermsError
from .inputs.codebook import check_codebook
from .inputs.declaration import check_declaration, check_metadata
from .inputs.transcripts import load_transcripts
from .project import Project
from .schema import Transcript
from .schema.declaration import DEFAULT_DECLARATION
from .survey.data import check_survey


def validate_project(project: Project) -> tuple[ProblemReport, dict]:
    """Validate pleval.yaml, the codebook, every transcript, the survey, briefs.yaml and data/terms.yaml (if the
    project has them).

    Transcript metadata is also checked against the declaration: a key or role nobody declared is a warning,
    once; a value outside declared values is an error.

    Returns
    -------
    report : ProblemReport
        Every error and warning found, each naming its file and line.
    counts : dict
        How many transcripts, turns and codes were read successfully, how many survey responses and briefs.
    """
    problems: list[Problem] = []
    declaration, declaration_problems = check_declaration(project)
    problems += declaration_problems
    codebook, codebook_problems = check_codebook(project.codebook_path)
    problems += codebook_problems
    if not project.transcripts_dir.is_dir():
        problems.append(ProjectError("no transcripts folder", path=project.transcripts_dir,
                                     fix="create data/transcripts and put transcripts in it"))
        transcripts: list[Transcript] = []
    else:
        site_key = (declaration or DEFAULT_DECLARATION).site.key
        transcripts, transcript_problems = load_transcripts(project.transcripts_dir, project.root, site_key=site_key)
        problems += transcript_problems
        if declaration is not None:
            problems += check_metadata(declaration, transcripts, project.root)
        if not transcripts and not transcript_problems:
            # a warning: a project just made by `pleval init` has none yet, and is no less valid for it
            problems.append(ProjectWarning("no transcripts found", path=project.transcripts_dir,
                                         fix="add .txt, .md, .docx, .vtt or .srt transcripts"))
    survey, survey_problems = check_survey(project, transcripts=transcripts, codebook=codebook)
    problems += survey_problems
    briefs = check_briefs(project, codebook=codebook, transcripts=transcripts)
    problems += briefs.problems
    try:
        load_decisions(project)  # data/terms.yaml: people's decisions on terms flagged in quotes
    except TermsError as error:
        problems.append(error)
    counts = {
        "transcripts": len(transcripts),
        "turns": sum(len(t.turns) for t in transcripts),
        "words": sum(len(t.text.split()) for t in transcripts),
        "codes": len(codebook.codes) if codebook else 0,
        "survey_responses": len(survey.responses) if survey else 0,
        "briefs": len(briefs.briefs.briefs) if briefs.briefs else 0,
    }
    return ProblemReport(problems), counts
