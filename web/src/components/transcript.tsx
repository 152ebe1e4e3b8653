/** The transcript, one line per segment that has text; clicking a line plays from there. */
import { clock, speakerColour, speakerName, type Segment } from "../format";

export function Transcript({ segments, speakers, onSeek }: { segments: Segment[]; speakers: string[]; onSeek: (t: number) => void }) {
  const lines = segments.filter((s) => s.text && s.text.trim());
  if (lines.length === 0) {
    return (
      <section class="panel">
        <h2>Transcript</h2>
        <p class="muted">No transcript: the server ran no speech recognizer for this analysis.</p>
      </section>
    );
  }
  return (
    <section class="panel">
      <h2>Transcript</h2>
      <ol class="transcript">
        {lines.map((s, i) => (
          <li key={i} data-speaker={s.speakerId} data-start={s.start} data-end={s.end}>
            <button type="button" class="link" onClick={() => onSeek(s.start)}>
              {clock(s.start)}
            </button>
            <svg class="swatch" viewBox="0 0 12 12" aria-hidden="true">
              <rect width="12" height="12" rx="3" fill={speakerColour(speakers.indexOf(s.speakerId))} />
            </svg>
            <strong>{speakerName(s.speakerId)}</strong> {s.text}
          </li>
        ))}
      </ol>
    </section>
  );
}
