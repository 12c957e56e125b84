import { argIssues, invalidArgsOutcome } from "@/lib/tools/registry";
import { AGENT_LOG_FORMATS, CODE_TOOL, NOT_IN_REGISTRY, type RuleDefinition } from "@/lib/verifier/rule";

export const argsSchema: RuleDefinition<"args.schema"> = {
  id: "args.schema",
  scope: "step",
  kinds: ["tool_call"],
  needs: {},
  description: "The tool exists and its arguments are valid against the tool's JSON schema (values inside the attribute and relation vocabularies).",
  defaults: { enabled: true, weight: 1 },
  evaluate: (p) => {
    const tool = p.tool;
    if (!tool) {
      // an agent log's own tools (and the code pseudo-tool) are unchecked here, not wrong
      const format = p.input.format;
      if (p.step.tool === CODE_TOOL || (format && AGENT_LOG_FORMATS.has(format))) return p.skip(NOT_IN_REGISTRY);
      return p.fail(`unknown tool "${p.step.tool}"`, { found: p.step.tool });
    }
    const issues = argIssues(tool, p.args, p.scene);
    if (issues === null) {
      p.markValidated(true);
      p.pass("args are valid");
    } else {
      // args the schema refuses: re-executing the call gives exactly that refusal, so it is kept
      p.markValidated(false, tool.execute ? invalidArgsOutcome(issues) : undefined);
      p.fail(issues.join("; "), { expected: `valid ${tool.name} args`, found: p.args });
    }
  },
};
