"""The reviewer's pages: an executed notebook to HTML with pleval's nbconvert template, and the index of a build.

A page shows outputs only (no input cells, no prompts), carries no script and fetches nothing: its
Content-Security-Policy allows inline styles and ``data:`` images and nothing else, and any ``<script>`` or
``on...=`` handler that reached an output is removed besides. A table of contents is built from the page's
headings, and a footer says what made the page (notebook, parameters, input hashes, versions, time).
"""

from __future__ import annotations

import datetime as dt
import functools
from importlib import resources as package_files
from pathlib import Path

import jinja2

from .. import __version__
from ..project import atomic_write

TEMPLATES = Path(str(package_files.files("pleval") / "templates"))


@functools.cache
def exporter():
    """One exporter per process: making one loads and compiles the templates (a good part of a conversion)."""
    from nbconvert import HTMLExporter  # heavy: imported only when a page is converted

    made = HTMLExporter(template_name="pleval", extra_template_basedirs=[str(TEMPLATES / "nbconvert")])
    made.exclude_input = True
    made.exclude_input_prompt = True
    made.exclude_output_prompt = True
    return made


def warm() -> None:
    """Import nbconvert and compile the page template now (about a second), e.g. in a worker waiting for its
    first page, rather than when the first page is converted."""
    import nbformat

    meta = {"title": "", "parameters": {}, "inputs": {}, "seconds": 0.0, "notebook": "", "version": __version__,
            "built_at": ""}
    exporter().from_notebook_node(nbformat.v4.new_notebook(), resources={"pleval": meta})


def _tidy(html: str) -> str:
    """Strip anything executable that reached an output, and fill the table of contents from the headings."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for element in soup.find_all(["script", "iframe", "object", "embed", "base", "link"]):
        element.decompose()
    for element in soup.find_all(True):
        for attribute in [a for a in element.attrs if a.lower().startswith("on")]:
            del element[attribute]
        for attribute in ("href", "src", "action", "formaction"):
            value = element.get(attribute)
            if isinstance(value, str) and value.strip().lower().startswith(("javascript:", "vbscript:")):
                del element[attribute]
        # A page fetches nothing: images are embedded (data: URIs); any other source or CSS url() goes.
        for attribute in ("src", "srcset", "poster", "background"):
            value = element.get(attribute)
            if isinstance(value, str) and not value.strip().lower().startswith("data:"):
                del element[attribute]
        if "url(" in str(element.get("style", "")).lower():
            del element["style"]
    toc = soup.find(id="pleval-toc")
    main = soup.find("main")
    headings = main.find_all(["h2", "h3"]) if main is not None else []
    if toc is not None and len(headings) > 1:
        listing = soup.new_tag("ol")
        current = None  # the last section's entry, to nest its subsections under
        for number, heading in enumerate(headings, start=1):
            if not heading.get("id"):
                heading["id"] = f"section-{number}"
            item = soup.new_tag("li")
            link = soup.new_tag("a", href=f"#{heading['id']}")
            link.string = heading.get_text(" ", strip=True).rstrip("¶").strip()
            item.append(link)
            if heading.name == "h3" and current is not None:
                sublist = current.ol
                if sublist is None:
                    sublist = soup.new_tag("ol")
                    current.append(sublist)
                sublist.append(item)
            else:
                listing.append(item)
                current = item
        toc.append(listing)
    return str(soup)


def notebook_html(executed, *, title: str, parameters: dict, inputs: dict[str, str], seconds: float,
                  notebook: str) -> str:
    """The reviewer's HTML for an executed notebook.

    Parameters
    ----------
    executed : Path or nbformat.NotebookNode
        The notebook papermill wrote (or the node it returned).
    title, parameters, inputs, seconds, notebook
        What the footer says: the page title, the notebook's parameters, the input hashes, the run time and
        the source notebook.
    """
    import nbformat

    node = executed if isinstance(executed, dict) else nbformat.read(executed, as_version=4)
    meta = {"title": title, "parameters": parameters, "inputs": inputs, "seconds": seconds, "notebook": notebook,
            "version": __version__, "built_at": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
    body, _ = exporter().from_notebook_node(node, resources={"pleval": meta})
    return _tidy(body)


def write_notebook_html(executed, target: Path, **meta) -> Path:
    """Write :func:`notebook_html` to ``target`` atomically."""
    html = notebook_html(executed, **meta)
    with atomic_write(target) as handle:
        handle.write(html)
    return target


def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES / "build")),
                              autoescape=jinja2.select_autoescape(default=True), trim_blocks=True,
                              lstrip_blocks=True)


def write_index(target: Path, *, project_name: str, pages: list[dict], summary: dict, internal: bool = False
                ) -> Path:
    """Write an index of a build's pages: each with its status, build time and links. ``internal``: the team's
    index (internal pages and briefs), which says it is not for reviewers.

    Parameters
    ----------
    pages : list of dict
        One per page: id, title, kind, status (built, unchanged, failed), built_at, seconds, html and notebook
        (paths relative to the index), error.
    summary : dict
        Counts and the time of the build.
    """
    css = (TEMPLATES / "nbconvert" / "pleval" / "pleval.css").read_text(encoding="utf-8")
    html = _environment().get_template("index.html.j2").render(
        project_name=project_name, pages=pages, summary=summary, css=css, version=__version__, internal=internal)
    with atomic_write(target) as handle:
        handle.write(html)
    return target
