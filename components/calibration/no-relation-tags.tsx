import Link from "next/link";

/**
 * The by-relation-class breakdown's empty state. It says how many of the dataset's traces carry
 * relation-class tags (the ones the queue, trace list and exports show), so it never claims the
 * dataset has none when only the labelled or failing steps lack them.
 */
export function NoRelationTags({ dataset, taggedTraces, scope }: { dataset: string; taggedTraces: number; scope: "labelled" | "failing" }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 bg-white p-4 text-sm text-slate-500" data-testid="no-relation-tags" data-tagged-traces={taggedTraces}>
      <div className="font-medium text-slate-700">By relation class</div>
      {taggedTraces > 0 ? (
        <>
          {taggedTraces.toLocaleString("en-US")} traces of this dataset have relation-class tags, but none of the {scope} steps in scope belongs to one, so there is no breakdown by class yet.{" "}
          {scope === "labelled" ? (
            <Link href={`/traces?dataset=${encodeURIComponent(dataset)}`} className="text-brand hover:underline">Label steps of tagged traces</Link>
          ) : (
            "Widen the filter or pick another run."
          )}
        </>
      ) : (
        "No trace of this dataset belongs to a question with a relation-class tag (tags come with the questions: CLEVR programs and imported question files)."
      )}
    </div>
  );
}
