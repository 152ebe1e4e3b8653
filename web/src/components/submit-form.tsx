/**
 * New analysis: a file (dropped or picked) or a URL, and the options the API takes. The file is
 * recognised in the page (audio-file.ts) so a wrong file is refused at once, in words.
 */
import { useState } from "preact/hooks";
import { describeAudio, encodingFromUrl, SUPPORTED, AudioFileError, type AudioDescription } from "../audio-file";
import type { AudioEncoding, InteractionMetric } from "../generated/graphql";
import { ApiError } from "../messages";
import { submitFile, submitUrl, type SubmitOptions } from "../submit";
import { ErrorBox } from "./error-box";

const METRICS: [InteractionMetric, string][] = [
  ["TALK_TO_LISTEN_RATIO", "talk-to-listen"],
  ["INTERRUPTIONS", "interruptions"],
  ["EMOTION", "emotion"],
  ["ENERGY", "energy"],
  ["PACE", "pace"],
  ["TONE", "tone"],
  ["QUESTIONS_ASKED", "questions"],
];
const ENCODINGS: AudioEncoding[] = ["WAV", "FLAC", "MP3", "OGG_OPUS", "OGG_VORBIS", "LINEAR16", "MULAW", "ALAW"];
const RAW: AudioEncoding[] = ["LINEAR16", "MULAW", "ALAW"];

interface Chosen {
  name: string;
  bytes: Uint8Array;
  audio: AudioDescription;
}

export function SubmitForm({ onSubmitted, onKeyRejected }: { onSubmitted: (requestId: string) => void; onKeyRejected: (message: string) => void }) {
  const [file, setFile] = useState<Chosen | undefined>();
  const [url, setUrl] = useState("");
  const [urlEncoding, setUrlEncoding] = useState<AudioEncoding | "">("");
  const [sampleRate, setSampleRate] = useState(16000);
  const [perChannel, setPerChannel] = useState(false);
  const [perChannelTouched, setPerChannelTouched] = useState(false);
  const [speakers, setSpeakers] = useState(-1);
  const [metrics, setMetrics] = useState<Set<InteractionMetric>>(new Set(METRICS.map(([m]) => m)));
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const [dragging, setDragging] = useState(false);

  const choose = async (f: File | undefined) => {
    setError(undefined);
    setFile(undefined);
    if (!f) return;
    try {
      const bytes = new Uint8Array(await f.arrayBuffer());
      const audio = describeAudio(f.name, bytes);
      setFile({ name: f.name, bytes, audio });
      setSampleRate(audio.sampleRate);
      if (!perChannelTouched) setPerChannel(audio.channels === 2);
      setUrl("");
    } catch (e) {
      setError(e instanceof AudioFileError ? e : new AudioFileError(`“${f.name}” could not be read: ${(e as Error).message}`));
    }
  };

  const urlGuess = url ? encodingFromUrl(url) : undefined;
  const encodingForUrl = urlEncoding || urlGuess;
  const needsRate = file ? file.audio.raw : !!encodingForUrl && RAW.includes(encodingForUrl);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    if (!file && !url.trim()) return setError(new Error(`Choose an audio file (${SUPPORTED}) or give its URL.`));
    if (metrics.size === 0) return setError(new Error("Choose at least one metric."));
    const chosen = [...metrics];
    const common = {
      sampleRate,
      separateSpeakerPerChannel: perChannel,
      speakers,
      metrics: chosen.length === METRICS.length ? (["ALL"] as InteractionMetric[]) : chosen,
    };
    try {
      let requestId: string;
      if (file) {
        requestId = await submitFile(file.bytes, { ...common, encoding: file.audio.encoding }, setBusy);
      } else {
        if (!encodingForUrl) return setError(new Error("The URL does not say what kind of audio it is: choose its format."));
        setBusy("Sending…");
        const opts: SubmitOptions = { ...common, encoding: encodingForUrl, sampleRate: RAW.includes(encodingForUrl) ? sampleRate : 16000 };
        requestId = await submitUrl(url.trim(), opts);
      }
      onSubmitted(requestId);
    } catch (err) {
      if (err instanceof ApiError && err.code === "UNAUTHENTICATED") onKeyRejected(err.message);
      setError(err as Error);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <section class="panel" aria-labelledby="submit-title">
      <h2 id="submit-title">New analysis</h2>
      <form class="submit-form" onSubmit={submit}>
        <label
          class={`dropzone${dragging ? " dragging" : ""}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            void choose(e.dataTransfer?.files[0]);
          }}
        >
          <input
            type="file"
            name="audio"
            class="visually-hidden"
            accept="audio/*,.wav,.flac,.mp3,.ogg,.opus,.raw,.pcm,.ulaw,.alaw"
            onChange={(e) => void choose((e.currentTarget as HTMLInputElement).files?.[0])}
          />
          {file ? (
            <span class="chosen">
              <strong>{file.name}</strong> — {file.audio.label}, {(file.bytes.length / 1024).toFixed(0)} KiB
            </span>
          ) : (
            <span>
              Drop a recording here, or <u>choose a file</u>
            </span>
          )}
        </label>

        <label class="row">
          <span>or an audio URL</span>
          <input
            type="url"
            name="url"
            placeholder="https://example.com/call.wav"
            value={url}
            onInput={(e) => {
              setUrl((e.currentTarget as HTMLInputElement).value);
              if (file) setFile(undefined);
            }}
          />
        </label>
        {url && !file && (
          <label class="row">
            <span>Format</span>
            <select name="encoding" value={encodingForUrl ?? ""} onChange={(e) => setUrlEncoding((e.currentTarget as HTMLSelectElement).value as AudioEncoding)}>
              <option value="" disabled>
                choose…
              </option>
              {ENCODINGS.map((enc) => (
                <option value={enc} key={enc}>
                  {enc}
                </option>
              ))}
            </select>
          </label>
        )}
        {needsRate && (
          <label class="row">
            <span>Sample rate (headerless audio)</span>
            <input type="number" name="sampleRate" min={8000} max={48000} step={1} value={sampleRate} onInput={(e) => setSampleRate(Number((e.currentTarget as HTMLInputElement).value))} />
          </label>
        )}

        <fieldset>
          <legend>Options</legend>
          <label class="check">
            <input
              type="checkbox"
              name="separateSpeakerPerChannel"
              checked={perChannel}
              onChange={(e) => {
                setPerChannel((e.currentTarget as HTMLInputElement).checked);
                setPerChannelTouched(true);
              }}
            />
            One speaker per channel (stereo call)
          </label>
          <label class="row">
            <span>Number of speakers</span>
            <select name="speakers" value={String(speakers)} onChange={(e) => setSpeakers(Number((e.currentTarget as HTMLSelectElement).value))}>
              <option value="-1">detect</option>
              {Array.from({ length: 10 }, (_, i) => i + 1).map((n) => (
                <option value={String(n)} key={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <div class="metrics">
            <span>Metrics</span>
            {METRICS.map(([m, label]) => (
              <label class="check" key={m}>
                <input
                  type="checkbox"
                  name="metric"
                  value={m}
                  checked={metrics.has(m)}
                  onChange={(e) => {
                    const next = new Set(metrics);
                    if ((e.currentTarget as HTMLInputElement).checked) next.add(m);
                    else next.delete(m);
                    setMetrics(next);
                  }}
                />
                {label}
              </label>
            ))}
          </div>
        </fieldset>

        {error && <ErrorBox error={error} />}
        <button type="submit" disabled={!!busy}>
          {busy ?? "Analyse"}
        </button>
      </form>
    </section>
  );
}
