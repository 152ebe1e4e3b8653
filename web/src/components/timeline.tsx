/**
 * The conversation as a picture: one lane per speaker, a bar per segment coloured by speaker
 * with a dot and label for its emotion, shaded silences, overlaps banded across the lanes,
 * interruptions as arrows from the lane of the one who cut in to the lane of the one cut off,
 * and a playhead that follows the audio player. Clicking a segment seeks the player to its start;
 * clicking elsewhere seeks to that instant.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { clock, emotionStyle, overlaps, speakerColour, speakerName, type Result } from "../format";

/** viewBox units per 100 % of the page width: zooming widens the drawing, text keeps its size. */
const BASE_WIDTH = 1000;
const LEFT = 96; // lane labels
const RIGHT = 12;
const LANE = 46;
const GAP = 10;
const TOP = 8;
const AXIS = 26;
const TICK_STEPS = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];

interface Props {
  result: Result;
  speakers: string[];
  duration: number;
  audio: HTMLAudioElement | null;
  /** Where the playhead is when there is no audio to play. */
  cursor: number;
  onSeek: (t: number) => void;
  /** 1: the whole recording fits the width; 4: four times as wide, scrolled sideways. */
  zoom?: number;
}

export function Timeline({ result, speakers, duration, audio, cursor, onSeek, zoom = 1 }: Props) {
  const WIDTH = BASE_WIDTH * zoom;
  const plot = WIDTH - LEFT - RIGHT;
  const x = (t: number) => LEFT + (Math.max(0, Math.min(duration, t)) / duration) * plot;
  const laneY = (id: string) => TOP + speakers.indexOf(id) * (LANE + GAP);
  const lanesBottom = TOP + speakers.length * (LANE + GAP) - GAP;
  const height = lanesBottom + AXIS;
  const step = TICK_STEPS.find((s) => duration / s <= 12 * zoom) ?? 7200;
  const ticks: number[] = [];
  for (let t = 0; t <= duration + 1e-9; t += step) ticks.push(t);
  const svgRef = useRef<SVGSVGElement>(null);

  const seekAt = (e: MouseEvent) => {
    const box = svgRef.current!.getBoundingClientRect();
    const ux = ((e.clientX - box.left) / box.width) * WIDTH;
    if (ux < LEFT) return;
    onSeek(((ux - LEFT) / plot) * duration);
  };

  return (
    <div class="timeline-scroll">
      <svg
        ref={svgRef}
        class="timeline"
        width={`${zoom * 100}%`}
        viewBox={`0 0 ${WIDTH} ${height}`}
        role="group"
        aria-label={`Timeline of ${speakers.length} speakers over ${clock(duration)}`}
        onClick={seekAt}
      >
        <defs>
          <pattern id="silence-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width="6" height="6" fill="#f3f4f6" />
            <line x1="0" y1="0" x2="0" y2="6" stroke="#d1d5db" stroke-width="2" />
          </pattern>
          <marker id="interruption-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" fill="#111827" />
          </marker>
        </defs>

        {speakers.map((id, i) => (
          <g class="lane" data-speaker={id} key={id}>
            <rect x={LEFT} y={laneY(id)} width={plot} height={LANE} fill="#ffffff" stroke="#e5e7eb" />
            <rect x={4} y={laneY(id) + LANE / 2 - 6} width={12} height={12} rx={3} fill={speakerColour(i)} />
            <text x={22} y={laneY(id) + LANE / 2 + 5} class="lane-label">
              {speakerName(id)}
            </text>
          </g>
        ))}

        {(result.silence?.instances ?? []).map((s) => (
          <rect
            class="silence"
            data-start={s.start}
            data-end={s.end}
            key={`sil-${s.start}`}
            x={x(s.start)}
            y={TOP}
            width={Math.max(1, x(s.end) - x(s.start))}
            height={lanesBottom - TOP}
            fill="url(#silence-hatch)"
          >
            <title>{`Silence ${clock(s.start)}–${clock(s.end)} (${s.duration.toFixed(1)} s)`}</title>
          </rect>
        ))}

        {overlaps(result.segments).map((o) => (
          <rect
            class="overlap"
            data-start={o.start}
            data-end={o.end}
            key={`ov-${o.start}`}
            x={x(o.start)}
            y={TOP}
            width={Math.max(1.5, x(o.end) - x(o.start))}
            height={lanesBottom - TOP}
          >
            <title>{`Overlap ${clock(o.start)}–${clock(o.end)}: both talk`}</title>
          </rect>
        ))}

        {result.segments.map((s, i) => {
          const idx = speakers.indexOf(s.speakerId);
          const y = laneY(s.speakerId);
          const w = Math.max(1, x(s.end) - x(s.start));
          const emo = emotionStyle(s.emotion);
          const label = `${speakerName(s.speakerId)}, ${clock(s.start)}–${clock(s.end)}${s.emotion ? `, ${s.emotion}${s.emotionScore != null ? ` (${Math.round(s.emotionScore * 100)} %)` : ""}` : ""}`;
          const seek = (e: Event) => {
            e.stopPropagation();
            onSeek(s.start);
          };
          return (
            <g
              class="segment"
              key={`seg-${i}`}
              data-speaker={s.speakerId}
              data-start={s.start}
              data-end={s.end}
              data-emotion={s.emotion ?? undefined}
              tabIndex={0}
              role="button"
              aria-label={label}
              onClick={seek}
              onKeyDown={(e) => (e.key === "Enter" || e.key === " ") && seek(e)}
            >
              <title>{label + (s.text ? `\n“${s.text}”` : "")}</title>
              <rect x={x(s.start)} y={y + 6} width={w} height={LANE - 12} rx={3} fill={speakerColour(idx)} />
              {emo && (
                <g class="emotion" pointer-events="none">
                  <circle cx={x(s.start) + Math.min(9, w / 2)} cy={y + 6} r={5} fill={emo.colour} stroke="#fff" stroke-width="1.5" />
                  {w > 34 && (
                    <text x={x(s.start) + 5} y={y + LANE - 11} class="emotion-label">
                      {emo.short}
                    </text>
                  )}
                </g>
              )}
            </g>
          );
        })}

        {(result.interruptions ?? []).map((it, i) => {
          if (!it.speakerId || !it.interruptedSpeakerId || !speakers.includes(it.speakerId) || !speakers.includes(it.interruptedSpeakerId)) return null;
          const from = laneY(it.speakerId) + LANE / 2;
          const to = laneY(it.interruptedSpeakerId) + LANE / 2;
          const down = to > from;
          const ix = x(it.start);
          return (
            <g class="interruption" key={`int-${i}`} data-speaker={it.speakerId} data-interrupted={it.interruptedSpeakerId} data-start={it.start} data-end={it.end}>
              <title>{`${speakerName(it.speakerId)} cut in on ${speakerName(it.interruptedSpeakerId)} at ${clock(it.start)}`}</title>
              <circle cx={ix} cy={from} r={4} fill="#111827" />
              <line x1={ix} y1={from} x2={ix} y2={to + (down ? -6 : 6)} stroke="#111827" stroke-width={2} marker-end="url(#interruption-arrow)" />
            </g>
          );
        })}

        <g class="axis">
          {ticks.map((t) => (
            <g key={`tick-${t}`}>
              <line x1={x(t)} y1={lanesBottom} x2={x(t)} y2={lanesBottom + 5} stroke="#6b7280" />
              <text x={x(t)} y={lanesBottom + 18} text-anchor="middle" class="tick-label">
                {clock(t, step < 1 ? 1 : 0)}
              </text>
            </g>
          ))}
        </g>

        <Playhead audio={audio} cursor={cursor} x={x} top={TOP - 4} bottom={lanesBottom + 4} follow={zoom > 1} />
      </svg>
    </div>
  );
}

/** A vertical line at the player's position, redrawn every frame while playing (not the whole timeline). */
function Playhead(props: { audio: HTMLAudioElement | null; cursor: number; x: (t: number) => number; top: number; bottom: number; follow: boolean }) {
  const { audio, cursor, x, top, bottom, follow } = props;
  const [t, setT] = useState(cursor);
  const line = useRef<SVGLineElement>(null);
  // Zoomed in: keep the playhead in view while the audio plays.
  useEffect(() => {
    const el = line.current;
    const box = el?.closest(".timeline-scroll");
    if (!follow || !el || !box) return;
    const at = el.getBoundingClientRect().left - box.getBoundingClientRect().left;
    if (at < 0 || at > box.clientWidth) box.scrollLeft += at - box.clientWidth / 3;
  }, [t, follow]);
  useEffect(() => setT(cursor), [cursor]);
  useEffect(() => {
    if (!audio) return;
    let frame = 0;
    const update = () => setT(audio.currentTime);
    const loop = () => {
      update();
      frame = requestAnimationFrame(loop);
    };
    const play = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(loop);
    };
    const stop = () => {
      cancelAnimationFrame(frame);
      update();
    };
    const events: [string, () => void][] = [["play", play], ["pause", stop], ["ended", stop], ["seeked", update], ["timeupdate", update], ["loadedmetadata", update]];
    for (const [name, fn] of events) audio.addEventListener(name, fn);
    if (!audio.paused) play();
    return () => {
      cancelAnimationFrame(frame);
      for (const [name, fn] of events) audio.removeEventListener(name, fn);
    };
  }, [audio]);
  return <line ref={line} class="playhead" data-time={t.toFixed(3)} x1={x(t)} x2={x(t)} y1={top} y2={bottom} />;
}
