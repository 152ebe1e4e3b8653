/**
 * `interaction-analytics analyze <file> [--speakers N] [--stereo] [--metrics a,b,...] [--json]
 *   [--encoding WAV|FLAC|MP3|OGG_OPUS|OGG_VORBIS|LINEAR16|MULAW|ALAW] [--sample-rate HZ]`
 * `interaction-analytics submit <file> --server URL [--key K] [the same options]`
 *
 * `analyze` analyses a local audio file with the same engine as the service; `submit` sends
 * it to a running gateway (upload, subscription: src/cli/submit.ts). Both print the
 * DeepAffects-format response: JSON with --json, a readable summary otherwise. Progress goes
 * to stderr when stderr is a terminal.
 */
import { extname } from "node:path";
import { analyzeFile } from "../analysis/pipeline.js";
import { submitFile } from "./submit.js";
import { AUDIO_ENCODINGS, METRIC_NAMES, type AnalysisOptions, type AudioEncoding, type DeepAffectsResponse, type MetricName } from "../analysis/types.js";

const USAGE = `usage: interaction-analytics analyze <file> [--speakers N] [--stereo] [--metrics ${METRIC_NAMES.join(",")}|all] [--json]
                                   [--encoding ${AUDIO_ENCODINGS.join("|")}] [--sample-rate HZ]
       interaction-analytics submit <file> --server URL [--key API_KEY] [the same options]
                                   (the key may also come from IA_API_KEY)`;

export interface CliArgs {
  command: "analyze" | "submit";
  file: string;
  options: AnalysisOptions;
  json: boolean;
  /** submit: the gateway's base URL and API key. */
  server?: string;
  key?: string;
}

function encodingOf(file: string): AudioEncoding {
  switch (extname(file).toLowerCase()) {
    case ".flac": return "FLAC";
    case ".mp3": return "MP3";
    case ".opus": return "OGG_OPUS";
    case ".ogg": return "OGG_VORBIS";
    case ".raw": case ".pcm": return "LINEAR16";
    case ".ulaw": case ".mulaw": return "MULAW";
    case ".alaw": return "ALAW";
    default: return "WAV";
  }
}

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): CliArgs {
  const [cmd, ...rest] = argv;
  if (cmd !== "analyze" && cmd !== "submit") throw new Error(USAGE);
  let file: string | undefined;
  let server: string | undefined;
  let key = env.IA_API_KEY || undefined;
  let speakers = -1, stereo = false, json = false, sampleRate = 16000;
  let metrics: MetricName[] = [...METRIC_NAMES];
  let encoding: AudioEncoding | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const val = () => {
      const v = rest[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === "--speakers") {
      speakers = Number(val());
      if (!Number.isInteger(speakers) || (speakers < 1 && speakers !== -1)) throw new Error("--speakers must be -1 or a positive integer");
    } else if (a === "--stereo") stereo = true;
    else if (a === "--json") json = true;
    else if (a === "--sample-rate") sampleRate = Number(val());
    else if (cmd === "submit" && a === "--server") server = val();
    else if (cmd === "submit" && a === "--key") key = val();
    else if (a === "--encoding") {
      const e = val().toUpperCase();
      if (!(AUDIO_ENCODINGS as readonly string[]).includes(e)) throw new Error(`unknown encoding ${e}`);
      encoding = e as AudioEncoding;
    } else if (a === "--metrics") {
      const list = val().split(",").map((m) => m.trim().toLowerCase()).filter(Boolean);
      if (list.includes("all")) metrics = [...METRIC_NAMES];
      else {
        for (const m of list) if (!(METRIC_NAMES as readonly string[]).includes(m)) throw new Error(`unknown metric ${m}; known: ${METRIC_NAMES.join(", ")}`);
        metrics = list as MetricName[];
      }
    } else if (a.startsWith("--")) throw new Error(`unknown option ${a}\n${USAGE}`);
    else file = a;
  }
  if (!file) throw new Error(USAGE);
  if (cmd === "submit") {
    if (!server) throw new Error(`submit needs --server URL (the gateway, e.g. http://127.0.0.1:4000)\n${USAGE}`);
    if (!/^https?:\/\/[^/]/.test(server)) throw new Error(`--server must be an http(s) URL, got ${server}`);
  }
  return {
    command: cmd,
    file,
    json,
    ...(server ? { server } : {}),
    ...(key ? { key } : {}),
    options: { encoding: encoding ?? encodingOf(file), sampleRate, languageCode: "en-US", metrics, speakers, separateSpeakerPerChannel: stereo },
  };
}

const fmt = (s: number) => {
  const m = Math.floor(s / 60);
  return `${m}:${(s - m * 60).toFixed(1).padStart(4, "0")}`;
};

export function summary(r: DeepAffectsResponse): string {
  const lines: string[] = [];
  lines.push(`speakers: ${r.num_speakers}   total speech: ${r.total_speech_duration.toFixed(1)} s   segments: ${r.segments.length}`);
  lines.push("");
  lines.push("speaker  talk s  turns  longest monologue  talk:listen  interrupts made/received  energy  pace  tone");
  for (const s of r.speakers) {
    lines.push(
      `${s.speaker_id.padEnd(8)} ${s.talk_seconds.toFixed(1).padStart(6)}  ${String(s.turns).padStart(5)}  ${(s.longest_monologue_seconds ?? 0).toFixed(1).padStart(17)}  ` +
        `${(s.talk_to_listen ?? "-").padStart(11)}  ${`${s.interruptions_made ?? "-"}/${s.interruptions_received ?? "-"}`.padStart(24)}  ` +
        `${String(s.energy ?? "-").padStart(6)}  ${String(r.pace?.find((p) => p.speaker_id === s.speaker_id)?.value ?? "-").padStart(4)}  ${s.tone ?? "-"}`,
    );
  }
  if (r.interruptions?.length) {
    lines.push("");
    lines.push("interruptions:");
    for (const i of r.interruptions) lines.push(`  ${fmt(i.start)}–${fmt(i.end)}  ${i.speaker_id ?? "?"} interrupted ${i.interrupted_speaker_id ?? "?"}`);
  }
  lines.push("");
  lines.push("segments:");
  for (const s of r.segments.slice(0, 200)) lines.push(`  ${fmt(s.start)}–${fmt(s.end)}  ${s.speaker_id}${s.emotion ? `  [${s.emotion}]` : ""}${s.text ? `  ${s.text}` : ""}`);
  if (r.segments.length > 200) lines.push(`  … ${r.segments.length - 200} more (use --json)`);
  return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const tty = process.stderr.isTTY;
  let last = "";
  const t0 = performance.now();
  // read from disk chunk by chunk (WAV/raw), so long recordings need no memory for their bytes
  const show = (line: string) => {
    if (!tty || line === last) return;
    process.stderr.write(`\r${line.padEnd(last.length)}`);
    last = line;
  };
  let result;
  try {
    result =
      args.command === "submit"
        ? await submitFile({ server: args.server!, key: args.key, file: args.file, options: args.options, progress: show })
        : await analyzeFile(args.file, args.options, (stage, f) => show(`${stage.padEnd(10)} ${"#".repeat(Math.round(f * 30)).padEnd(30, ".")} ${(100 * f).toFixed(0).padStart(3)}%`));
  } catch (e) {
    // a missing file, undecodable audio, a failing recognizer, a refused upload or an
    // unreachable server: one readable line, no stack
    const err = e as NodeJS.ErrnoException;
    if (tty) process.stderr.write("\n");
    console.error(`error: ${err.code === "ENOENT" ? `no such file: ${args.file}` : err.message}`);
    return 1;
  }
  if (tty) process.stderr.write(`\r${" ".repeat(Math.max(50, last.length))}\rdone in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  process.stdout.write(args.json ? JSON.stringify(result, null, 2) + "\n" : summary(result) + "\n");
  return 0;
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/").split("/").slice(-2).join("/"));
if (isMain) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
