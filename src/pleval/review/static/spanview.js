// pleval's span coding view (an anywidget module; Python side: src/pleval/review/spanview.py).
//
// Python sends `view` (the current turn, its codings and suggestions, offsets in code points of the turn's
// text) and `codes` (id, label, colour, key). This module draws them and sends back one message per action:
// {do, on: turn id, code, start, end, ...}. It keeps no decisions: the next `view` shows what the log holds.
// Keys are handled here while the view has focus and stopped, so JupyterLab's notebook commands never run.

const WORD = /[\p{L}\p{N}\p{M}'’]/u;
const SPACE = /\s/u;
const BAR = 9; // px: one margin column (a stripe and a gap)
const NAME = 16; // px: the height of a code's name in the margin
const NAMES = 150; // px: the width of the names' lane
const ARROWS = { ArrowRight: "next", ArrowDown: "next", ArrowLeft: "previous", ArrowUp: "previous" };

function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// The selection widened to whole words, spaces trimmed at its ends; null if it holds no word (as snap_to_words).
export function snap(chars, a, b) {
  if (a > b) [a, b] = [b, a];
  const word = (i) => i >= 0 && i < chars.length && WORD.test(chars[i]);
  while (a > 0 && word(a) && word(a - 1)) a--;
  while (b < chars.length && word(b - 1) && word(b)) b++;
  while (a < b && SPACE.test(chars[a])) a++;
  while (b > a && SPACE.test(chars[b - 1])) b--;
  return chars.slice(a, b).some((c) => WORD.test(c)) ? [a, b] : null;
}

// Which code point of the turn a key stands for: the physical key, so Shift and Alt keep the digit or letter.
function keyOf(event) {
  const m = /^(?:Digit|Numpad|Key)(\w)$/.exec(event.code || "");
  return m ? m[1].toLowerCase() : (event.key || "").toLowerCase();
}

function render({ model, el }) {
  const root = make("div", "pleval-spans");
  root.tabIndex = 0;
  root.setAttribute("data-lm-suppress-shortcuts", "true"); // Lumino: no command shortcuts from in here
  const top = make("div", "ps-top");
  const where = make("span", "ps-where");
  const progress = make("span", "ps-progress");
  top.append(where, progress);
  const before = make("div", "ps-context");
  const speaker = make("div", "ps-speaker");
  const row = make("div", "ps-row");
  const text = make("div", "ps-text pleval-turn");
  const margin = make("div", "ps-margin");
  row.append(text, margin);
  const after = make("div", "ps-context");
  const suggestions = make("div", "ps-suggestions");
  const codes = make("div", "ps-codes");
  const detail = make("div", "ps-detail");
  const status = make("div", "ps-status");
  status.setAttribute("role", "status");
  const help = make("div", "ps-help");
  root.append(top, before, speaker, row, after, suggestions, codes, detail, status, help);
  el.append(root);

  // what the browser holds between two views: the selection, the chosen coding, the focused suggestion
  let view = {};
  let chars = []; // the turn's code points
  let utf16 = [0]; // utf16[i]: where code point i starts in the JavaScript string
  let selection = null; // [start, end) in code points, snapped
  let caret = null; // a click's position in code points (for Alt+key: that sentence)
  let chosen = null; // "code:start:end" of the coding shown in the detail panel
  let focused = null; // code id of the focused suggestion
  let memoSaved = "";
  let shownTurn = null; // the id of the turn drawn last: a new turn starts with nothing selected
  const colour = {};
  const label = {};
  const byKey = {};

  function readCodes() {
    for (const code of model.get("codes")) {
      colour[code.id] = code.colour;
      label[code.id] = code.label;
      if (code.key) byKey[code.key] = code.id;
    }
    codes.replaceChildren(...model.get("codes").map((code) => {
      const button = make("button", "ps-code");
      button.dataset.code = code.id;
      button.style.setProperty("--c", code.colour);
      button.title = `${code.definition}\nselection: ${code.key || "click"} · whole turn: Shift · sentences: Alt`;
      if (code.key) button.append(make("kbd", "", code.key));
      button.append(make("span", "", code.label));
      return button;
    }));
  }

  const colourOf = (id) => colour[id] || "#888888";
  const labelOf = (id) => label[id] || id;
  const keyOfCoding = (c) => `${c.code}:${c.start}:${c.end}`;
  const clamp = (i) => Math.max(0, Math.min(i, chars.length));
  const u = (i) => utf16[clamp(i)];

  // -- the text, in pieces cut where an underline or a highlight starts or ends ---------------------------

  function drawText() {
    const cuts = new Set([0, chars.length]);
    const marks = []; // [start, end, kind, code]
    for (const s of view.suggestions || []) {
      for (const [a, b] of s.evidence) marks.push([clamp(a), clamp(b), s.code === focused ? "ev focus" : "ev", s.code]);
    }
    const picked = (view.codings || []).find((c) => keyOfCoding(c) === chosen);
    if (picked) marks.push([clamp(picked.start), clamp(picked.end), "picked", picked.code]);
    for (const [a, b] of marks) cuts.add(a).add(b);
    const points = [...cuts].sort((x, y) => x - y);
    const pieces = [];
    for (let i = 0; i + 1 < points.length; i++) {
      const [a, b] = [points[i], points[i + 1]];
      if (a === b) continue;
      const piece = make("span", "", chars.slice(a, b).join(""));
      piece.dataset.a = utf16[a];
      for (const [ma, mb, kind, code] of marks) {
        if (ma <= a && b <= mb && ma < mb) {
          for (const k of kind.split(" ")) piece.classList.add(k);
          piece.style.setProperty(kind === "picked" ? "--h" : "--u", colourOf(code));
          if (kind !== "picked") piece.dataset.suggestion = code;
        }
      }
      pieces.push(piece);
    }
    text.replaceChildren(...pieces);
  }

  // a JavaScript (UTF-16) offset into the turn's text as a DOM point, and back
  function domPoint(offset) {
    for (const piece of text.children) {
      const a = Number(piece.dataset.a);
      const node = piece.firstChild;
      if (node && offset <= a + node.length) return [node, Math.max(0, offset - a)];
    }
    return [text, text.childNodes.length];
  }

  function textOffset(node, offset) {
    const all = document.createRange();
    all.selectNodeContents(text);
    const side = all.comparePoint(node, offset);
    if (side < 0) return 0;
    if (side > 0) return utf16[chars.length];
    if (node === text) {
      const child = text.childNodes[offset];
      return child ? Number(child.dataset.a) : utf16[chars.length];
    }
    let piece = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    while (piece && piece.dataset.a === undefined) piece = piece.parentElement;
    return piece ? Number(piece.dataset.a) + (node.nodeType === Node.TEXT_NODE ? offset : 0) : 0;
  }

  function codePoint(offset) {
    let lo = 0;
    let hi = chars.length;
    while (lo < hi) { // the first code point starting at or after offset
      const mid = (lo + hi) >> 1;
      if (utf16[mid] < offset) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  function rangeOf(a, b) {
    const range = document.createRange();
    range.setStart(...domPoint(u(a)));
    range.setEnd(...domPoint(u(b)));
    return range;
  }

  function showSelection() {
    const dom = window.getSelection();
    if (!dom || !selection) return;
    dom.removeAllRanges();
    dom.addRange(rangeOf(...selection));
  }

  // What the view took from the mouse, on the root for whoever waits for it (the browser tests).
  function markSelection() {
    root.dataset.selection = selection ? chars.slice(...selection).join("") : "";
    root.dataset.caret = caret === null ? "" : String(caret);
  }

  // The mouse's selection, snapped to whole words and shown so; a click without a drag leaves a caret.
  // Taken just after mouseup (a double-click's word is selected by then), or at once when a key comes first:
  // Chromium may run a key press before that timer, and the key must act on the selection just made.
  let pendingSelection = null;
  function takeSelection() {
    if (pendingSelection !== null) clearTimeout(pendingSelection);
    pendingSelection = null;
    const dom = window.getSelection();
    if (!dom || !dom.rangeCount || !view.turn) return;
    const range = dom.getRangeAt(0);
    const a = codePoint(textOffset(range.startContainer, range.startOffset));
    const b = codePoint(textOffset(range.endContainer, range.endOffset));
    if (dom.isCollapsed || a === b) {
      selection = null;
      caret = root.contains(range.startContainer) ? a : null;
      markSelection();
      return;
    }
    selection = snap(chars, a, b);
    caret = null;
    markSelection();
    if (selection) {
      showSelection();
      const words = chars.slice(...selection).join("");
      say(`selected “${words.length > 80 ? words.slice(0, 79) + "…" : words}”: press a code's key`);
    }
  }

  // -- the margin: one stripe per coding, overlapping codings in columns side by side, their names beside -----

  function drawMargin() {
    const codings = view.codings || [];
    const box = text.getBoundingClientRect();
    const placed = codings.map((c) => {
      const r = rangeOf(c.start, c.end).getBoundingClientRect();
      return { c, top: r.top - box.top, bottom: r.bottom - box.top };
    }).sort((x, y) => x.top - y.top || y.bottom - x.bottom);
    const ends = [];
    for (const p of placed) {
      p.column = ends.findIndex((end) => end <= p.top + 1);
      if (p.column < 0) p.column = ends.push(0) - 1;
      ends[p.column] = p.bottom;
    }
    const lane = ends.length * BAR + 4; // where the names start
    let free = 0; // the names never overlap: each below the last when codings start on one line
    const parts = [];
    for (const p of placed) {
      const key = keyOfCoding(p.c);
      const title = `${labelOf(p.c.code)}${p.c.whole ? " (whole turn)" : ""} · ${p.c.by}` +
        (p.c.memo ? ` · memo: ${p.c.memo}` : "") + "\nclick: who coded it, remove, memo";
      const stripe = make("div", "ps-stripe");
      stripe.style.cssText = `left:${p.column * BAR}px;top:${p.top}px;height:${Math.max(p.bottom - p.top, 12)}px`;
      const name = make("div", "ps-name", labelOf(p.c.code) + (p.c.memo ? " ✎" : ""));
      const top = Math.max(p.top, free);
      free = top + NAME;
      name.style.cssText = `left:${lane}px;top:${top}px`;
      for (const part of [stripe, name]) {
        part.dataset.coding = key;
        part.style.setProperty("--c", colourOf(p.c.code));
        part.title = title;
        if (key === chosen) part.classList.add("on");
        parts.push(part);
      }
    }
    margin.style.width = placed.length ? `${lane + NAMES}px` : "0";
    margin.style.minHeight = `${free}px`;
    margin.replaceChildren(...parts);
  }

  // -- suggestions, codes, the chosen coding ---------------------------------------------------------------

  function drawSuggestions() {
    const list = view.suggestions || [];
    if (!list.some((s) => s.code === focused)) {
      focused = (list.find((s) => s.status === "pending") || list[0] || {}).code || null;
    }
    suggestions.replaceChildren(...list.map((s) => {
      const chip = make("div", `ps-suggestion ${s.status}${s.code === focused ? " focus" : ""}`);
      chip.dataset.code = s.code;
      chip.style.setProperty("--c", colourOf(s.code));
      chip.append(make("i"), make("b", "", labelOf(s.code)), make("span", "", ` ${s.score.toFixed(2)} ${s.source} · ${s.status}`));
      const accept = make("button", "ps-accept", "✓ accept (a)");
      const reject = make("button", "ps-reject", "✗ reject (r)");
      accept.disabled = s.status === "accepted";
      reject.disabled = s.status === "rejected";
      chip.append(accept, reject);
      return chip;
    }));
    if (!list.length) suggestions.append(make("span", "ps-none", "no suggestions on this turn"));
  }

  function drawCodes() {
    const on = {};
    for (const c of view.codings || []) on[c.code] = c.whole ? "whole" : on[c.code] || "part";
    for (const button of codes.children) {
      button.classList.toggle("whole", on[button.dataset.code] === "whole");
      button.classList.toggle("part", on[button.dataset.code] === "part");
      button.disabled = !view.turn;
    }
  }

  function drawDetail() {
    const c = (view.codings || []).find((x) => keyOfCoding(x) === chosen);
    if (!c) {
      chosen = null;
      detail.hidden = true;
      detail.replaceChildren();
      return;
    }
    detail.hidden = false;
    detail.style.setProperty("--c", colourOf(c.code));
    const words = chars.slice(clamp(c.start), clamp(c.end)).join("");
    const who = make("div", "ps-who");
    who.append(make("i"), make("b", "", labelOf(c.code)),
      make("span", "", ` on ${c.whole ? "the whole turn" : `“${words.length > 120 ? words.slice(0, 119) + "…" : words}”`}` +
        ` · coded by ${c.by}${c.how ? `, ${c.how}` : ""}${c.when ? ` ${c.when}` : ""}`));
    const others = Object.entries(view.others || {}).filter(([, ids]) => ids.includes(c.code)).map(([name]) => name);
    if (others.length) who.append(make("span", "", ` · also on this turn: ${others.join(", ")}`));
    const memo = make("textarea", "ps-memo");
    memo.placeholder = "Memo on this coding (Ctrl+Enter saves, Esc leaves)";
    memo.value = c.memo;
    memoSaved = c.memo;
    const remove = make("button", "ps-remove", "Remove this coding (Delete)");
    const save = make("button", "ps-save", "Save memo");
    const close = make("button", "ps-close", "Close (Esc)");
    const actions = make("div", "ps-actions");
    actions.append(remove, save, close);
    detail.replaceChildren(who, memo, actions);
  }

  function draw() {
    view = model.get("view") || {};
    globalThis.CSS?.highlights?.delete("pleval-hover"); // its stripe may be gone
    const turn = view.turn;
    if (!turn || turn.id !== shownTurn) {
      shownTurn = turn ? turn.id : null;
      selection = null;
      caret = null;
      chosen = null;
      markSelection();
    }
    chars = turn ? Array.from(turn.text) : [];
    utf16 = [0];
    for (const ch of chars) utf16.push(utf16[utf16.length - 1] + ch.length);
    root.classList.toggle("empty", !turn);
    progress.textContent = view.progress || "";
    if (!turn) {
      where.textContent = view.empty || "";
      for (const part of [before, after, speaker, text, margin, suggestions, detail]) part.replaceChildren();
      margin.style.width = "0";
    } else {
      where.textContent = `${turn.where} · turn ${turn.index} · ${turn.position} of ${turn.count} · ` +
        (turn.coded ? "coded" : "not yet coded");
      root.classList.toggle("coded", turn.coded);
      const context = (turns) => turns.map((t) => {
        const line = make("div", "ps-quiet");
        line.append(make("b", "", `${t.speaker}: `), document.createTextNode(t.text));
        return line;
      });
      before.replaceChildren(...context(view.before || []));
      after.replaceChildren(...context(view.after || []));
      speaker.textContent = `${turn.speaker} (${turn.role})`;
      drawSuggestions();
      drawText();
      drawMargin();
      drawDetail();
      if (selection && root.contains(document.activeElement)) showSelection();
    }
    drawCodes();
    say(view.status || "", view.error);
    root.dataset.rev = view.rev;
  }

  function say(message, error = false) {
    status.textContent = message;
    status.classList.toggle("error", !!error);
  }

  // -- actions ---------------------------------------------------------------------------------------------

  function send(message) {
    if (!view.turn) return;
    model.send({ on: view.turn.id, ...message });
  }

  function chosenCoding() {
    return (view.codings || []).find((c) => keyOfCoding(c) === chosen);
  }

  function flushMemo() { // a memo being written is saved before the view moves on
    const c = chosenCoding();
    const box = detail.querySelector("textarea");
    if (c && box && box.value !== memoSaved) {
      send({ do: "memo", code: c.code, start: c.start, end: c.end, text: box.value });
      memoSaved = box.value;
    }
  }

  function code(id, how) {
    if (how === "turn") return send({ do: "turn", code: id });
    if (how === "sentences") {
      const [a, b] = selection || (caret !== null ? [caret, caret] : [null, null]);
      if (a === null) return say("click in a sentence (or select words) first, then Alt and the code's key", true);
      return send({ do: "sentences", code: id, start: a, end: b });
    }
    if (!selection) return say(`select some words first (Shift+${byKeyOf(id) || "click"} codes the whole turn)`, true);
    send({ do: "span", code: id, start: selection[0], end: selection[1] });
  }

  function byKeyOf(id) {
    return Object.keys(byKey).find((k) => byKey[k] === id);
  }

  function choose(key) {
    flushMemo();
    chosen = key;
    drawText();
    drawMargin();
    drawDetail();
  }

  function move(direction) {
    flushMemo();
    send({ do: direction });
  }

  function cycleSuggestion() {
    const list = view.suggestions || [];
    if (!list.length) return say("no suggestions on this turn", true);
    const i = list.findIndex((s) => s.code === focused);
    focused = list[(i + 1) % list.length].code;
    drawSuggestions();
    drawText();
  }

  function onKey(event) {
    const key = keyOf(event);
    if (event.key === "Escape") {
      if (chosen) choose(null);
      selection = null;
      window.getSelection()?.removeAllRanges();
      say("");
      return true;
    }
    if (event.key === "Enter") {
      if (!event.shiftKey && !event.altKey) { flushMemo(); send({ do: "done" }); }
      return true;
    }
    if (ARROWS[event.key]) { move(ARROWS[event.key]); return true; }
    if ((event.key === "Delete" || event.key === "Backspace") && chosenCoding()) {
      const c = chosenCoding();
      send({ do: "remove", code: c.code, start: c.start, end: c.end });
      return true;
    }
    const id = byKey[key];
    if (id) {
      code(id, event.shiftKey ? "turn" : event.altKey ? "sentences" : "span");
      return true;
    }
    switch (key) {
      case "n": move("next"); break;
      case "p": move("previous"); break;
      case "u": flushMemo(); send({ do: "undo" }); break;
      case "s": cycleSuggestion(); break;
      case "a":
      case "r":
        if (focused) send({ do: key === "a" ? "accept" : "reject", code: focused });
        else say("no suggestion to " + (key === "a" ? "accept" : "reject"), true);
        break;
      case "m":
        if (chosenCoding()) detail.querySelector("textarea").focus();
        else say("click a stripe in the margin first, then m for its memo", true);
        break;
      default:
        return false;
    }
    return true;
  }

  function onKeydown(event) {
    if (pendingSelection !== null) takeSelection(); // the selection made just before this key
    const typing = event.target.matches("textarea, input");
    if (event.ctrlKey || event.metaKey) {
      if (event.key === "Enter") { // never "run the cell" from inside the view
        event.preventDefault();
        event.stopPropagation();
        if (typing) { flushMemo(); root.focus(); }
      }
      return; // copy, find, save... as everywhere
    }
    event.stopPropagation(); // JupyterLab's notebook commands never see the view's keys
    if (typing) {
      if (event.key === "Escape") { event.preventDefault(); root.focus(); }
      return;
    }
    if (event.key === "Tab") return;
    if (event.target.matches("button") && (event.key === "Enter" || event.key === " ")) return; // press it
    if (onKey(event) || event.key === " ") event.preventDefault();
  }

  function onClick(event) {
    const target = event.target;
    const button = target.closest("button");
    const stripe = target.closest(".ps-stripe, .ps-name");
    const chip = target.closest(".ps-suggestion");
    if (button && button.classList.contains("ps-code")) {
      code(button.dataset.code, event.shiftKey ? "turn" : event.altKey ? "sentences" : "span");
    } else if (button && chip) {
      focused = chip.dataset.code;
      send({ do: button.classList.contains("ps-accept") ? "accept" : "reject", code: chip.dataset.code });
    } else if (button && button.classList.contains("ps-remove")) {
      const c = chosenCoding();
      if (c) send({ do: "remove", code: c.code, start: c.start, end: c.end });
    } else if (button && button.classList.contains("ps-save")) {
      flushMemo();
    } else if (button && button.classList.contains("ps-close")) {
      choose(null);
      root.focus();
    } else if (stripe) {
      choose(stripe.dataset.coding === chosen ? null : stripe.dataset.coding);
    } else if (chip) {
      focused = chip.dataset.code;
      drawSuggestions();
      drawText();
    } else if (target.dataset && target.dataset.suggestion && window.getSelection()?.isCollapsed) {
      focused = target.dataset.suggestion;
      drawSuggestions();
      drawText();
    }
  }

  function onMousedown(event) {
    // a button press keeps the selection and the keys (focus) where they are
    if (event.target.closest("button")) event.preventDefault();
    if (!event.target.closest("textarea, input, button")) setTimeout(() => {
      if (!root.contains(document.activeElement)) root.focus({ preventScroll: true });
    });
  }

  function onMouseup(event) {
    if (event.target.closest("button, textarea, .ps-stripe, .ps-name")) return;
    // after the browser has finished the selection (double-click: the word)
    if (pendingSelection !== null) clearTimeout(pendingSelection);
    pendingSelection = setTimeout(takeSelection);
  }

  function onHover(event) {
    const stripe = event.target.closest(".ps-stripe, .ps-name");
    if (!globalThis.CSS?.highlights || typeof Highlight === "undefined") return;
    if (!stripe) return CSS.highlights.delete("pleval-hover");
    const c = (view.codings || []).find((x) => keyOfCoding(x) === stripe.dataset.coding);
    if (c) CSS.highlights.set("pleval-hover", new Highlight(rangeOf(c.start, c.end)));
  }

  root.addEventListener("keydown", onKeydown);
  root.addEventListener("keyup", (event) => event.stopPropagation());
  root.addEventListener("click", onClick);
  root.addEventListener("mousedown", onMousedown);
  root.addEventListener("mouseup", onMouseup);
  root.addEventListener("mouseover", onHover);
  root.addEventListener("mouseleave", () => globalThis.CSS?.highlights?.delete("pleval-hover"));
  const resized = new ResizeObserver(() => view.turn && drawMargin());
  resized.observe(text);
  const onView = () => draw();
  const onCodes = () => { readCodes(); draw(); };
  const onHelp = () => {
    help.textContent = model.get("help_line");
    top.hidden = !model.get("show_header");
  };
  model.on("change:view", onView);
  model.on("change:codes", onCodes);
  model.on("change:help_line", onHelp);
  model.on("change:show_header", onHelp);
  readCodes();
  onHelp();
  draw();
  return () => {
    resized.disconnect();
    model.off("change:view", onView);
    model.off("change:codes", onCodes);
    model.off("change:help_line", onHelp);
    model.off("change:show_header", onHelp);
  };
}

export default { render };
