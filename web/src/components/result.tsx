/**
 * One analysis: live progress while it runs (analysisUpdated over graphql-ws), the failure in
 * words when it failed, and when it completed the timeline with its audio player, the
 * per-speaker cards, the transcript and a JSON download.
 *
 * The audio is fetched with the API key and played from a Blob URL: an <audio src> cannot send
 * an Authorization header, and putting the key (or a token) in a URL would leave it in server
 * logs, history and Referer headers. The Blob is seekable at once once downloaded.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { request, rest, subscribe } from "../api";
import { PageAnalysisDocument, PageProgressDocument } from "../generated/graphql";
import { clock, durationOf, emotionStyle, speakerOrder, type Analysis } from "../format";
import { ApiError, jobFailure } from "../messages";
import { ErrorBox } from "./error-box";
import { SpeakerCards } from "./speakers";
import { Timeline } from "./timeline";
import { Transcript } from "./transcript";

type AudioState = { kind: "loading" } | { kind: "ready"; url: string } | { kind: "missing"; message: string };

export function ResultView({ requestId, onKeyRejected }: { requestId: string; onKeyRejected: (message: string) => void }) {
  const [analysis, setAnalysis] = useState<Analysis | null | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>();
  const [live, setLive] = useState<{ status: string; progress?: number | null; stage?: string | null } | undefined>();

  const fail = (e: unknown) => {
    const err = e instanceof ApiError ? e : new ApiError(String(e), "CLIENT");
    if (err.code === "UNAUTHENTICATED") onKeyRejected(err.message);
    setError(err);
  };

  const load = () =>
    request(PageAnalysisDocument, { requestId })
      .then((d) => setAnalysis(d.analysis))
      .catch(fail);

  useEffect(() => {
    setAnalysis(undefined);
    setError(undefined);
    setLive(undefined);
    void load();
  }, [requestId]);

  // While the job runs: stream its progress, and read the full result once it is final.
  const running = analysis && (analysis.status === "QUEUED" || analysis.status === "RUNNING");
  useEffect(() => {
    if (!running) return;
    return subscribe(PageProgressDocument, { requestId }, {
      next: (d) => {
        const u = d.analysisUpdated;
        setLive({ status: u.status, progress: u.progress, stage: u.stage });
        if (u.status === "COMPLETED" || u.status === "FAILED") void load();
      },
      error: fail,
    });
  }, [requestId, running]);

  if (error) return <ErrorBox error={error} />;
  if (analysis === undefined) return <p class="muted">Loading…</p>;
  if (analysis === null) {
    return <ErrorBox error={new ApiError("There is no analysis with this id for your key: it may have expired, or belong to another key.", "NOT_FOUND", requestId)} />;
  }
  if (running) {
    const status = live?.status ?? analysis.status;
    const progress = live?.progress ?? analysis.progress ?? 0;
    const stage = live?.stage ?? analysis.stage;
    return (
      <section class="panel" aria-live="polite">
        <h2>Analysing…</h2>
        <p class="progress-line" data-status={status}>
          {status === "QUEUED" ? "Waiting for a worker" : `Stage: ${stage ?? "starting"}`} — <span class="progress-percent">{Math.round(progress * 100)} %</span>
        </p>
        <progress class="progress" max={1} value={progress} />
        <p class="muted">Request id {analysis.requestId}</p>
      </section>
    );
  }
  if (analysis.status === "FAILED") {
    const e = analysis.error ?? { type: "internal_error", message: "no message" };
    return (
      <section class="panel">
        <h2>Analysis failed</h2>
        <div class="error" role="alert" data-error-type={e.type}>
          <p>{jobFailure(e)}</p>
          <p class="detail">Details from the server: {e.message}</p>
        </div>
        <p class="muted">Request id {analysis.requestId}</p>
      </section>
    );
  }
  return <Completed analysis={analysis} />;
}

function Completed({ analysis }: { analysis: Analysis }) {
  const result = analysis.result!;
  const speakers = useMemo(() => speakerOrder([...result.speakers.map((s) => s.speakerId), ...result.segments.map((s) => s.speakerId)]), [result]);
  const [audio, setAudio] = useState<AudioState>({ kind: "loading" });
  const [player, setPlayer] = useState<HTMLAudioElement | null>(null);
  const [cursor, setCursor] = useState(0);
  const [audioDuration, setAudioDuration] = useState<number | undefined>();
  const [zoom, setZoom] = useState(1);
  const duration = Math.max(durationOf(result), audioDuration ?? 0);
  const playerRef = useRef<HTMLAudioElement>(null);

  useEffect(() => {
    let url: string | undefined;
    let cancelled = false;
    rest(`/v1/analyses/${encodeURIComponent(analysis.requestId)}/audio`)
      .then((r) => r.blob())
      .then((blob) => {
        if (cancelled) return;
        url = URL.createObjectURL(blob);
        setAudio({ kind: "ready", url });
      })
      .catch((e: unknown) => {
        if (cancelled) return;
        const notKept = e instanceof ApiError && e.code === "NOT_FOUND";
        setAudio({ kind: "missing", message: notKept ? "The audio of this analysis is not kept (it was submitted by URL, or has expired); the timeline works without it." : `The audio could not be loaded: ${(e as Error).message}` });
      });
    return () => {
      cancelled = true;
      if (url) URL.revokeObjectURL(url);
    };
  }, [analysis.requestId]);

  useEffect(() => setPlayer(playerRef.current), [audio.kind]);

  const seek = (t: number) => {
    setCursor(t);
    const p = playerRef.current;
    if (p) p.currentTime = t;
  };

  const download = () => {
    const blob = new Blob([JSON.stringify(analysis, null, 2)], { type: "application/json" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `analysis-${analysis.requestId}.json`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };

  return (
    <div class="result" data-request-id={analysis.requestId}>
      <section class="panel">
        <div class="result-head">
          <div>
            <h2>Conversation</h2>
            <p class="muted">
              {speakers.length} speaker{speakers.length === 1 ? "" : "s"} · {clock(duration)} · {result.segments.length} segments ·{" "}
              {result.interruptions?.length ?? 0} interruption{result.interruptions?.length === 1 ? "" : "s"}
              {result.silence ? ` · silence ${Math.round(result.silence.ratio * 100)} %` : ""}
            </p>
          </div>
          <button type="button" class="secondary" onClick={download}>
            Download JSON
          </button>
        </div>
        <Timeline result={result} speakers={speakers} duration={duration} audio={player} cursor={cursor} onSeek={seek} zoom={zoom} />
        <div class="timeline-foot">
          <Legend silenceSeconds={result.silence?.thresholdSeconds} emotions={[...new Set(result.segments.flatMap((x) => (x.emotion ? [x.emotion] : [])))].sort()} />
          <div class="zoom" role="group" aria-label="Zoom">
            <span class="muted">Zoom</span>
            {[1, 2, 4, 8, 16].map((z) => (
              <button type="button" key={z} class={z === zoom ? "" : "secondary"} aria-pressed={z === zoom} onClick={() => setZoom(z)}>
                {z}×
              </button>
            ))}
          </div>
        </div>
        {audio.kind === "ready" && (
          <audio
            ref={playerRef}
            class="player"
            controls
            preload="auto"
            src={audio.url}
            onLoadedMetadata={(e) => {
              const d = (e.currentTarget as HTMLAudioElement).duration;
              if (Number.isFinite(d)) setAudioDuration(d);
            }}
          />
        )}
        {audio.kind === "loading" && <p class="muted">Loading the audio…</p>}
        {audio.kind === "missing" && <p class="muted audio-missing">{audio.message}</p>}
      </section>
      <SpeakerCards result={result} speakers={speakers} />
      <Transcript segments={result.segments} speakers={speakers} onSeek={seek} />
    </div>
  );
}

function Legend({ silenceSeconds, emotions }: { silenceSeconds?: number; emotions: string[] }) {
  return (
    <p class="legend">
      <span class="key key-silence" /> silence{silenceSeconds ? ` ≥ ${silenceSeconds} s` : ""}
      <span class="key key-overlap" /> overlap
      <span class="key key-interruption">↓</span> interruption (who cut in → who was cut off)
      {emotions.map((e) => (
        <span class="legend-emotion" key={e}>
          <svg class="swatch" viewBox="0 0 12 12" aria-hidden="true">
            <circle cx="6" cy="6" r="5" fill={emotionStyle(e)!.colour} />
          </svg>
          {e}
        </span>
      ))}
    </p>
  );
}
