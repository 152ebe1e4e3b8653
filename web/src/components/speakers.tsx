/** One card per speaker: how much they talked, how, and how they took turns. */
import { percent, seconds, speakerColour, speakerName, type Result } from "../format";

const PACE_UNITS: Record<string, string> = { words_per_minute: "words/min", syllables_per_second: "syllables/s" };
const dash = "—";

export function SpeakerCards({ result, speakers }: { result: Result; speakers: string[] }) {
  const totalTalk = result.speakers.reduce((a, s) => a + s.talkSeconds, 0);
  const questionsOf = (id: string) => result.questionsAsked?.find((q) => q.speakerId === id)?.value;
  return (
    <section class="cards" aria-label="Speakers">
      {speakers.map((id, i) => {
        const s = result.speakers.find((x) => x.speakerId === id);
        if (!s) return null;
        const questions = s.questions?.length ?? questionsOf(id);
        const rows: [string, string][] = [
          ["Talk share", totalTalk > 0 ? `${percent(s.talkSeconds / totalTalk)} (${seconds(s.talkSeconds)})` : dash],
          ["Talk-to-listen", s.talkToListen ?? dash],
          ["Energy", [s.energy != null ? `${s.energy} / 10` : "", s.energyDb != null ? `${s.energyDb.toFixed(1)} dBFS` : ""].filter(Boolean).join(" · ") || dash],
          ["Pace", s.paceValue != null ? `${s.paceValue.toFixed(1)} ${PACE_UNITS[s.paceUnit ?? ""] ?? s.paceUnit ?? ""}`.trim() : dash],
          ["Tone", s.tone ?? dash],
          ["Questions", questions != null ? String(questions) : dash],
          ["Interruptions made", s.interruptionsMade != null ? String(s.interruptionsMade) : dash],
          ["Interruptions received", s.interruptionsReceived != null ? String(s.interruptionsReceived) : dash],
          ["Longest monologue", seconds(s.longestMonologue)],
          ["Turns", String(s.turns)],
        ];
        return (
          <article class="card" data-speaker={id} key={id}>
            <h3>
              <svg class="swatch" viewBox="0 0 12 12" aria-hidden="true">
                <rect width="12" height="12" rx="3" fill={speakerColour(i)} />
              </svg>
              {speakerName(id)}
            </h3>
            <dl>
              {rows.map(([k, v]) => (
                <div key={k} data-field={k}>
                  <dt>{k}</dt>
                  <dd>{v}</dd>
                </div>
              ))}
            </dl>
          </article>
        );
      })}
    </section>
  );
}
