// The built-in teacher endpoint's plug-in surface (docs/generation.md "Responders"): a chat
// completion request is offered to each responder in order; the first that returns a reply (not
// null) answers it. The scripted teacher is the last one; the SpaRE pipeline registers a responder
// for its classifier / QA prompts in front of it.

export interface ChatCompletionBody {
  model: string;
  messages: Array<{ role: string; content?: unknown; tool_calls?: unknown; tool_call_id?: string; name?: string }>;
  tools?: unknown[];
  tool_choice?: unknown;
  seed?: number;
  temperature?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  response_format?: unknown;
  [key: string]: unknown;
}

export interface ResponderReply {
  content: string | null;
  toolCalls?: Array<{ name: string; arguments: string; id?: string }>;
  /** Default: "tool_calls" when there are calls, else "stop". */
  finishReason?: string;
}

/** An error reply (the server answers it with this HTTP status and an OpenAI-style error body). */
export interface ResponderError {
  status: number;
  error: string;
}

/** null: not mine, ask the next responder. */
export type Responder = (body: ChatCompletionBody) => Promise<ResponderReply | ResponderError | null> | ResponderReply | ResponderError | null;

export const isResponderError = (reply: ResponderReply | ResponderError): reply is ResponderError => "status" in reply;
