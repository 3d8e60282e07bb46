import type { ApiError } from "./bindings";

/** A thrown command error (see `unwrap`): its `{kind, message}` kept. */
export class IpcFailure extends Error {
  constructor(public readonly error: ApiError) {
    super(error.message);
  }
}

/** What to tell the person about any thrown value: a command's message, an
 *  error's message, a string as it is; never "[object Object]". */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === "string") return error;
  if (typeof error === "object" && error !== null && "message" in error && typeof error.message === "string") {
    return error.message;
  }
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
