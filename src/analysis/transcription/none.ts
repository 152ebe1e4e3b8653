import type { Word } from "../types.js";
import type { Transcriber } from "./index.js";

/** No recognizer: no words. Metrics fall back to acoustics. */
export class NoneTranscriber implements Transcriber {
  readonly name = "none";
  async transcribe(): Promise<Word[]> {
    return [];
  }
}
