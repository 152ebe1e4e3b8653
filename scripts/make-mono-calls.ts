/**
 * `npm run eval:make-mono-calls [-- <shared eval dir> <out dir>]`
 *
 * Two people on one mono channel, from a real call: the SpokenWOZ call of ../shared/eval/stereo
 * (caller and agent on separate channels, 8 kHz) mixed down to mono (each channel at −6 dB)
 * and cut into three 60 s pieces, written to eval-data/mono-calls/ (gitignored: nothing
 * derived from ../shared/eval is committed). Truth = the call's `derived_channel_activity`
 * (an energy estimate per channel made by the data's collector, not human-annotated), cut to
 * each piece. `npm run eval -- eval-data/mono-calls` then measures the mono diarizer on real
 * conversational telephone speech of two parties (the development set's own two-party call,
 * sample.wav, is 30 s). Needs sox (apt-get install sox).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const args = process.argv.slice(2).filter((a) => a !== "--");
const SHARED = resolve(args[0] ?? join(import.meta.dirname, "..", "..", "shared", "eval"));
const OUT = resolve(args[1] ?? join(import.meta.dirname, "..", "eval-data", "mono-calls"));
const PIECE = 60;

interface Seg {
  speaker: string;
  start: number;
  end: number;
}

function main(): void {
  const wav = join(SHARED, "stereo", "MUL1011_8k_stereo.wav");
  const truth = JSON.parse(readFileSync(join(SHARED, "stereo", "MUL1011.json"), "utf8")) as { derived_channel_activity: { segments: Seg[] } };
  mkdirSync(OUT, { recursive: true });
  for (let i = 0; i < 3; i++) {
    const a = i * PIECE, b = a + PIECE;
    const name = `mul1011-mono-${i}`;
    execFileSync("sox", ["-D", "-V1", wav, join(OUT, `${name}.wav`), "remix", "1v0.5,2v0.5", "trim", String(a), String(PIECE)]);
    const segments = truth.derived_channel_activity.segments
      .filter((s) => s.end > a && s.start < b)
      .map((s) => ({ speaker: s.speaker, start: +Math.max(0, s.start - a).toFixed(3), end: +Math.min(PIECE, s.end - a).toFixed(3) }));
    const speakers = [...new Set(segments.map((s) => s.speaker))];
    writeFileSync(
      join(OUT, `${name}.json`),
      JSON.stringify({ duration: PIECE, segments, stats: { num_speakers: speakers.length }, source: `MUL1011_8k_stereo.wav ${a}-${b} s, channels mixed to mono; truth = derived_channel_activity (energy estimate, not human)` }, null, 1) + "\n",
    );
    console.log(`wrote ${join(OUT, name)}.{wav,json}: ${segments.length} truth segments, ${speakers.length} speakers`);
  }
}

main();
