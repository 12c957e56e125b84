"use client";

import Link from "next/link";
import { useEffect, useMemo, useRef, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { useHydrated } from "@/components/ui/use-hydrated";
import { useShortcuts } from "@/components/ui/use-shortcuts";
import { spareQueries, useReviewSparePair } from "@/lib/queries/spare";
import type { PairListQuery, PairReview as PairReviewBody, SpareCaptionDto, SparePairDto } from "@/lib/schemas/spare";
import { shortcutFor, type ShortcutCommand } from "@/lib/shortcuts";
import { FILTERS, FILTER_LABELS } from "@/lib/spare/filters";
import { matchRelations } from "@/lib/spare/taxonomy";

// QA review of a SpaRE run (docs/spare.md): the caption (and its image) with every spatial phrase
// highlighted and the phrase the current pair came from marked, and the pairs of the chosen filter
// (status, the filter that removed them, relation, label). Accept / reject / edit with the trace
// review's keys — the same commands of the one keymap (lib/shortcuts.ts): j/k move between pairs,
// ]/[ between captions, a / r label, e edits (Enter saves, Esc cancels), u undoes your last label.

const PAGE = 200;

/** What each trace-review command does here (the keys come from the keymap). */
const COMMANDS: Array<[ShortcutCommand, string]> = [
  ["nextStep", "Next pair"],
  ["previousStep", "Previous pair"],
  ["nextTrace", "First pair of the next caption"],
  ["previousTrace", "First pair of the previous caption"],
  ["accept", "Accept the pair"],
  ["reject", "Reject the pair"],
  ["edit", "Edit question and answer (an edit accepts)"],
  ["save", "Save the edit"],
  ["cancel", "Cancel the edit"],
  ["undo", "Undo your last label"],
  ["help", "Show these shortcuts"],
];

const keyOf = (command: ShortcutCommand) => shortcutFor(command).label;

interface Filter {
  status?: "kept" | "removed" | "all";
  removedBy?: string;
  relation?: string;
  label?: string;
}

interface UndoEntry {
  id: number;
  previous: PairReviewBody;
}

function stateOf(pair: SparePairDto): PairReviewBody {
  if (pair.editedQuestion !== null || pair.editedAnswer !== null) {
    return { label: "accept", question: pair.editedQuestion ?? pair.question, answer: pair.editedAnswer ?? pair.answer };
  }
  return { label: (pair.label as "accept" | "reject" | null) ?? null };
}

export function PairReview({ job, initialFilter, initialPair }: { job: number; initialFilter: Filter; initialPair: number | null }) {
  const [filter, setFilter] = useState<Filter>({ status: initialFilter.removedBy ? "removed" : "all", ...stripEmpty(initialFilter) });
  const [cursor, setCursor] = useState<number | undefined>(initialPair ? initialPair - 1 : undefined);
  const [cursors, setCursors] = useState<number[]>([]);
  const query: PairListQuery = { ...filter, label: filter.label as PairListQuery["label"], cursor, limit: PAGE };
  const page = useQuery(spareQueries.pairs(job, query));
  const funnel = useQuery(spareQueries.funnel(job));
  const review = useReviewSparePair(job);
  const [currentId, setCurrentId] = useState<number | null>(initialPair);
  const [lastIndex, setLastIndex] = useState(0);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState({ question: "", answer: "" });
  const [help, setHelp] = useState(false);
  const [undo, setUndo] = useState<UndoEntry[]>([]);
  const listRef = useRef<HTMLOListElement>(null);
  const hydrated = useHydrated();

  const pairs = useMemo(() => page.data?.pairs ?? [], [page.data]);
  const found = pairs.findIndex((p) => p.id === currentId);
  const index = found >= 0 ? found : Math.min(lastIndex, Math.max(0, pairs.length - 1));
  const pair: SparePairDto | undefined = pairs[index];
  const caption: SpareCaptionDto | undefined = pair ? page.data?.captions[pair.captionId] : undefined;

  useEffect(() => {
    listRef.current?.querySelector(`[data-pair="${pair?.id}"]`)?.scrollIntoView({ block: "nearest" });
  }, [pair?.id]);

  const go = (i: number) => {
    const next = pairs[Math.max(0, Math.min(pairs.length - 1, i))];
    if (!next) return;
    setCurrentId(next.id);
    setLastIndex(Math.max(0, Math.min(pairs.length - 1, i)));
    setEditing(false);
  };

  const goCaption = (direction: 1 | -1) => {
    if (!pair) return;
    if (direction === 1) {
      const i = pairs.findIndex((p, k) => k > index && p.captionId !== pair.captionId);
      if (i >= 0) go(i);
      return;
    }
    let i = index;
    while (i > 0 && pairs[i - 1].captionId === pair.captionId) i--; // start of this caption
    if (i === 0) return;
    const previousCaption = pairs[i - 1].captionId;
    while (i > 0 && pairs[i - 1].captionId === previousCaption) i--;
    go(i);
  };

  const label = (body: PairReviewBody, advance: boolean) => {
    if (!pair) return;
    const target = pair;
    setUndo((stack) => [...stack.slice(-49), { id: target.id, previous: stateOf(target) }]);
    review.mutate({ id: target.id, review: body });
    setEditing(false);
    if (advance) {
      const next = pairs[index + 1];
      setCurrentId(next ? next.id : target.id);
      setLastIndex(next ? index + 1 : index);
    }
  };

  const startEdit = () => {
    if (!pair) return;
    setDraft({ question: pair.editedQuestion ?? pair.question, answer: pair.editedAnswer ?? pair.answer });
    setEditing(true);
  };

  const save = () => {
    if (!draft.question.trim() || !draft.answer.trim()) return;
    label({ label: "accept", question: draft.question.trim(), answer: draft.answer.trim() }, true);
  };

  const undoLast = () => {
    const last = undo[undo.length - 1];
    if (!last) return;
    setUndo((stack) => stack.slice(0, -1));
    review.mutate({ id: last.id, review: last.previous });
    setCurrentId(last.id);
  };

  useShortcuts(
    "review",
    (command) => {
      switch (command) {
        case "nextStep": return go(index + 1);
        case "previousStep": return go(index - 1);
        case "nextTrace": return goCaption(1);
        case "previousTrace": return goCaption(-1);
        case "accept": return label({ label: "accept" }, true);
        case "reject": return label({ label: "reject" }, true);
        case "edit": return startEdit();
        case "save": return save();
        case "cancel": return setEditing(false);
        case "undo": return undoLast();
        case "help": return setHelp(true);
        default: return undefined;
      }
    },
    { enabled: !help, editing },
  );

  const changeFilter = (next: Filter) => {
    setFilter(stripEmpty(next));
    setCursor(undefined);
    setCursors([]);
    setCurrentId(null);
    setLastIndex(0);
  };

  const relations = funnel.data?.relations.filter((r) => r.generated > 0) ?? [];

  return (
    <div className="space-y-3" data-testid="spare-review" data-ready={hydrated && !page.isPending ? "true" : "false"}>
      <div className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3 text-sm" role="group" aria-label="Filters">
        <label>
          <span className="block text-xs text-slate-500">Status</span>
          <select aria-label="Status" value={filter.status ?? "all"} onChange={(e) => changeFilter({ ...filter, status: e.target.value as Filter["status"], ...(e.target.value === "kept" ? { removedBy: undefined } : {}) })} className="rounded border border-slate-300 px-2 py-1">
            <option value="all">all</option>
            <option value="kept">kept</option>
            <option value="removed">removed</option>
          </select>
        </label>
        <label>
          <span className="block text-xs text-slate-500">Removed by</span>
          <select aria-label="Removed by" value={filter.removedBy ?? ""} onChange={(e) => changeFilter({ ...filter, removedBy: e.target.value || undefined, ...(e.target.value ? { status: "removed" as const } : {}) })} className="rounded border border-slate-300 px-2 py-1">
            <option value="">any filter</option>
            {FILTERS.map((f) => (
              <option key={f} value={f}>{FILTER_LABELS[f]}</option>
            ))}
          </select>
        </label>
        <label>
          <span className="block text-xs text-slate-500">Relation</span>
          <select aria-label="Relation" value={filter.relation ?? ""} onChange={(e) => changeFilter({ ...filter, relation: e.target.value || undefined })} className="rounded border border-slate-300 px-2 py-1">
            <option value="">any relation</option>
            {relations.map((r) => (
              <option key={r.relation} value={r.relation}>{r.relation} ({r.generated})</option>
            ))}
          </select>
        </label>
        <label>
          <span className="block text-xs text-slate-500">Label</span>
          <select aria-label="Label" value={filter.label ?? ""} onChange={(e) => changeFilter({ ...filter, label: e.target.value || undefined })} className="rounded border border-slate-300 px-2 py-1">
            <option value="">any</option>
            <option value="unlabelled">unlabelled</option>
            <option value="accept">accepted</option>
            <option value="reject">rejected</option>
          </select>
        </label>
        <span className="ml-auto text-xs text-slate-500" data-testid="pair-total">{page.data ? `${page.data.total.toLocaleString("en-US")} pairs` : ""}</span>
        <Button variant="ghost" onClick={() => setHelp(true)} shortcut={keyOf("help")}>Shortcuts</Button>
      </div>

      {page.error ? <p role="alert" className="text-sm text-red-700">{page.error.message}</p> : null}
      {review.error ? <p role="alert" className="text-sm text-red-700">{review.error.message}</p> : null}

      {page.isPending ? (
        <p className="text-sm text-slate-500">Loading pairs…</p>
      ) : pairs.length === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-12 text-center text-sm text-slate-500">
          No pair matches these filters. <Link href={`/spare/${job}`} className="text-brand hover:underline">Back to the funnel</Link>
        </div>
      ) : (
        <div className="grid gap-4 lg:grid-cols-[1fr_420px]">
          <section aria-label="Caption" className="space-y-3">
            {caption ? <CaptionPanel caption={caption} pair={pair} /> : null}
            {pair ? (
              <article aria-label="Current pair" data-pair={pair.id} data-label={pair.label ?? ""} className="rounded-lg border border-slate-200 bg-white p-4">
                <div className="mb-2 flex flex-wrap items-center gap-2 text-xs">
                  <Badge tone={pair.status === "kept" ? "pass" : "fail"}>{pair.status === "kept" ? "kept" : `removed: ${pair.removedBy}`}</Badge>
                  <Badge tone="brand">{pair.relation}</Badge>
                  <Badge>{pair.relationClass}</Badge>
                  <Badge tone="info" title="frame of reference">{pair.frame}-centred</Badge>
                  {pair.label ? <Badge tone={pair.label === "accept" ? "pass" : "fail"}>{pair.label === "accept" ? "accepted" : "rejected"}{pair.editedQuestion || pair.editedAnswer ? " (edited)" : ""}</Badge> : <Badge>unlabelled</Badge>}
                </div>
                {pair.reason ? <p className="mb-2 text-xs text-slate-500">Filter: {pair.reason}</p> : null}
                {editing ? (
                  <div className="space-y-2">
                    <label className="block text-sm">
                      <span className="text-xs text-slate-500">Question</span>
                      <textarea aria-label="Question" autoFocus rows={2} value={draft.question} onChange={(e) => setDraft({ ...draft, question: e.target.value })} className="mt-1 w-full rounded border border-slate-300 p-2" />
                    </label>
                    <label className="block text-sm">
                      <span className="text-xs text-slate-500">Answer</span>
                      <textarea aria-label="Answer" rows={2} value={draft.answer} onChange={(e) => setDraft({ ...draft, answer: e.target.value })} className="mt-1 w-full rounded border border-slate-300 p-2" />
                    </label>
                    <div className="flex gap-2">
                      <Button variant="primary" onClick={save} shortcut={keyOf("save")}>Save</Button>
                      <Button onClick={() => setEditing(false)} shortcut={keyOf("cancel")}>Cancel</Button>
                    </div>
                  </div>
                ) : (
                  <dl className="space-y-1">
                    <dt className="text-xs text-slate-500">Question</dt>
                    <dd className="font-medium" data-testid="pair-question">{pair.editedQuestion ?? pair.question}</dd>
                    {pair.editedQuestion ? <dd className="text-xs text-slate-400 line-through">{pair.question}</dd> : null}
                    <dt className="text-xs text-slate-500">Answer</dt>
                    <dd data-testid="pair-answer">{pair.editedAnswer ?? pair.answer}</dd>
                    {pair.editedAnswer ? <dd className="text-xs text-slate-400 line-through">{pair.answer}</dd> : null}
                  </dl>
                )}
                {!editing ? (
                  <div className="mt-3 flex flex-wrap gap-2">
                    <Button variant="accept" aria-pressed={pair.label === "accept"} onClick={() => label({ label: "accept" }, true)} shortcut={keyOf("accept")}>Accept</Button>
                    <Button variant="reject" aria-pressed={pair.label === "reject"} onClick={() => label({ label: "reject" }, true)} shortcut={keyOf("reject")}>Reject</Button>
                    <Button onClick={startEdit} shortcut={keyOf("edit")}>Edit</Button>
                    <Button variant="ghost" onClick={undoLast} disabled={undo.length === 0} shortcut={keyOf("undo")}>Undo</Button>
                  </div>
                ) : null}
              </article>
            ) : null}
          </section>

          <section aria-label="Pairs" className="rounded-lg border border-slate-200 bg-white">
            <ol ref={listRef} className="max-h-[70vh] overflow-auto text-sm">
              {pairs.map((p, i) => (
                <li key={p.id} data-pair={p.id} aria-current={i === index ? "true" : undefined} className={`cursor-pointer border-b border-slate-100 px-3 py-2 ${i === index ? "bg-indigo-50" : "hover:bg-slate-50"} ${i > 0 && pairs[i - 1].captionId !== p.captionId ? "border-t-2 border-t-slate-200" : ""}`} onClick={() => go(i)}>
                  <div className="flex items-center gap-2">
                    <span className={`h-2 w-2 shrink-0 rounded-full ${p.label === "accept" ? "bg-green-500" : p.label === "reject" ? "bg-red-500" : "bg-slate-300"}`} aria-hidden />
                    <span className="truncate">{p.editedQuestion ?? p.question}</span>
                  </div>
                  <div className="ml-4 text-xs text-slate-500">{p.relation}{p.removedBy ? ` · ${p.removedBy}` : ""}</div>
                </li>
              ))}
            </ol>
            <div className="flex items-center justify-between border-t border-slate-100 p-2 text-xs">
              <Button variant="ghost" disabled={cursors.length === 0} onClick={() => { setCursor(cursors[cursors.length - 1] || undefined); setCursors(cursors.slice(0, -1)); setCurrentId(null); setLastIndex(0); }}>← Previous page</Button>
              <Button variant="ghost" disabled={!page.data?.nextCursor} onClick={() => { setCursors([...cursors, cursor ?? 0]); setCursor(page.data?.nextCursor ?? undefined); setCurrentId(null); setLastIndex(0); }}>Next page →</Button>
            </div>
          </section>
        </div>
      )}

      <Dialog title="SpaRE review shortcuts" open={help} onClose={() => setHelp(false)}>
        <dl className="space-y-1 text-sm">
          {COMMANDS.map(([command, description]) => (
            <div key={command} className="flex items-center justify-between gap-3">
              <dt className="text-slate-700">{description}</dt>
              <dd><kbd className="rounded border border-slate-300 bg-slate-50 px-1.5 py-0.5 font-mono text-xs">{keyOf(command)}</kbd></dd>
            </div>
          ))}
        </dl>
        <p className="mt-3 text-xs text-slate-500">The same keys as trace review (one keymap). Keys never fire while you type in a field.</p>
      </Dialog>
    </div>
  );
}

function stripEmpty(filter: Filter): Filter {
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined && v !== "")) as Filter;
}

function CaptionPanel({ caption, pair }: { caption: SpareCaptionDto; pair: SparePairDto | undefined }) {
  const pieces = useMemo(() => highlight(caption.text, pair?.spanStart ?? null, pair?.spanEnd ?? null), [caption.text, pair?.spanStart, pair?.spanEnd]);
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-4">
      <div className="mb-2 flex flex-wrap items-center gap-2 text-xs text-slate-500">
        <Badge>{caption.source}</Badge>
        <span>{caption.file}:{caption.line} {caption.field}</span>
        {caption.image ? <span>· image {caption.image} ({caption.imageStatus})</span> : <span>· no image</span>}
        <span>· pre-filter: {caption.classifierReason ?? "—"}</span>
      </div>
      {caption.imageStatus === "present" ? (
        // eslint-disable-next-line @next/next/no-img-element -- a stored file of any size, served by our API
        <img src={`/api/spare/captions/${caption.id}/image`} alt={`Image ${caption.image ?? ""}`} className="mb-3 max-h-80 rounded border border-slate-200" />
      ) : caption.imageStatus === "missing" ? (
        <p className="mb-2 text-xs text-amber-700">The image ({caption.image}) was not found next to the caption file.</p>
      ) : null}
      <p className="whitespace-pre-wrap leading-relaxed" data-testid="caption-text">
        {pieces.map((piece, i) =>
          piece.kind === "text" ? (
            <span key={i}>{piece.text}</span>
          ) : (
            <mark key={i} data-source={piece.kind === "source" ? "true" : undefined} title={piece.relation} className={piece.kind === "source" ? "rounded bg-amber-200 px-0.5 ring-2 ring-amber-400" : "rounded bg-indigo-100 px-0.5"}>
              {piece.text}
            </mark>
          ),
        )}
      </p>
      {caption.unparseable ? <p className="mt-2 text-xs text-red-700">The model&apos;s answer for this caption could not be parsed{caption.rawAnswer ? `: ${caption.rawAnswer.slice(0, 300)}` : ""}</p> : null}
    </div>
  );
}

interface Piece {
  kind: "text" | "phrase" | "source";
  text: string;
  relation?: string;
}

/** The caption cut into plain text and spatial phrases; phrases inside the pair's source span are marked "source". */
function highlight(text: string, spanStart: number | null, spanEnd: number | null): Piece[] {
  const pieces: Piece[] = [];
  let at = 0;
  for (const m of matchRelations(text)) {
    if (m.start < at) continue;
    if (m.start > at) pieces.push({ kind: "text", text: text.slice(at, m.start) });
    const inSource = spanStart !== null && spanEnd !== null && m.start >= spanStart && m.end <= spanEnd;
    pieces.push({ kind: inSource ? "source" : "phrase", text: text.slice(m.start, m.end), relation: m.relation });
    at = m.end;
  }
  if (at < text.length) pieces.push({ kind: "text", text: text.slice(at) });
  return pieces;
}
