import type { Command } from "@/lib/cli/command";
import calibrate from "@/lib/cli/commands/calibrate";
import datasets from "@/lib/cli/commands/datasets";
import doctor from "@/lib/cli/commands/doctor";
import evaluate from "@/lib/cli/commands/evaluate";
import exportCommand from "@/lib/cli/commands/export";
import generate from "@/lib/cli/commands/generate";
import importCommand from "@/lib/cli/commands/import";
import imports from "@/lib/cli/commands/imports";
import labels from "@/lib/cli/commands/labels";
import metrics from "@/lib/cli/commands/metrics";
import seedDemo from "@/lib/cli/commands/seed-demo";
import spare from "@/lib/cli/commands/spare";
import teacherServe from "@/lib/cli/commands/teacher-serve";
import verdicts from "@/lib/cli/commands/verdicts";
import tokens from "@/lib/cli/commands/tokens";
import users from "@/lib/cli/commands/users";
import verify from "@/lib/cli/commands/verify";
import worker from "@/lib/cli/commands/worker";

// One line per command; later capabilities add theirs here.
export const COMMANDS: Command[] = [doctor, datasets, importCommand, imports, seedDemo, generate, teacherServe, evaluate, verify, verdicts, labels, metrics, exportCommand, calibrate, spare, users, tokens, worker];
