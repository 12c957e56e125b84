export interface DatasetSummary {
  id: number;
  name: string;
  description: string | null;
  createdAt: string;
  images: number;
  scenes: number;
  questions: number;
  traces: number;
  steps: number;
  reviewedTraces: number;
}
