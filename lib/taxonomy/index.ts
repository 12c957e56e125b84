export * from "@/lib/taxonomy/relations";
export * from "@/lib/taxonomy/tagger";
