/**
 * CPU cost of the cross-talk stage alone (`tsx bench/crosstalk-cost.ts [hours] [case.wav]`):
 * tiles a stereo dev case (default eval-data/crosstalk/xt-leak15-16k.wav, see
 * npm run eval:make-crosstalk) to `hours` (default 1), pushes it in 10 s chunks through
 * ChannelLevels as the scan does, then runs rejectCrosstalk on tiled VAD regions. Reports
 * process CPU time (user + system, so other processes on the machine matter less than for wall
 * time), × real time, and the levels' memory.
 */
import { ChannelLevels, rejectCrosstalk } from "../src/analysis/diarization/crosstalk.js";
import { detectSpeech16k, loadAudio16k } from "../src/analysis/diarization/io.js";
import type { SpeechRegion } from "../src/analysis/types.js";

const hours = Number(process.argv[2] ?? 1);
const file = process.argv[3] ?? "eval-data/crosstalk/xt-leak15-16k.wav";
const a = await loadAudio16k(file);
const [c0, c1] = a.channels as [Float32Array, Float32Array];
const vad = [await detectSpeech16k(c0), await detectSpeech16k(c1)];
const total = Math.round(hours * 3600 * 16000), reps = Math.ceil(total / c0.length);
const speech: [SpeechRegion[], SpeechRegion[]] = [[], []];
for (let k = 0; k < reps; k++) for (let c = 0; c < 2; c++) for (const r of vad[c]!) speech[c]!.push({ start: r.start + k * a.duration, end: r.end + k * a.duration });
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const levels = new ChannelLevels();
const step = 160000;
const t0 = cpu();
for (let s = 0; s < total; s += step) {
  const o = s % c0.length, n = Math.min(step, total - s, c0.length - o);
  levels.push(c0.subarray(o, o + n), c1.subarray(o, o + n));
  if (n < step && s + n < total) { s -= step - n; } // wrap: continue from the tile start
}
const t1 = cpu();
const r = rejectCrosstalk(levels.levels(), speech, total / 16000);
const t2 = cpu();
const sec = total / 16000;
console.log(`${hours} h stereo (${file}): levels ${(t1 - t0).toFixed(0)} ms CPU (${(sec / ((t1 - t0) / 1000)).toFixed(0)}× real time), decision ${(t2 - t1).toFixed(0)} ms (${(sec / ((t2 - t1) / 1000)).toFixed(0)}×), stage ${(sec / ((t2 - t0) / 1000)).toFixed(0)}×; levels ${(levels.bytes / 2 ** 20).toFixed(1)} MiB; own regions ${r.speech[0].length}/${r.speech[1].length}`);
