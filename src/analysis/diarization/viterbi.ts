/**
 * Viterbi decoding of speaker labels over speech frames with a minimum duration: each speaker
 * is a left-to-right chain of `minFrames` states (the last one loops), so once a speaker is
 * entered it is kept for at least `minFrames` frames. Switching costs `switchPenalty` (log
 * domain). At the start of a new speech region (after a pause) any speaker may start afresh,
 * so short isolated regions (backchannels) can go to another speaker.
 */
export function viterbiMinDuration(
  loglik: Float32Array, // T × K
  T: number,
  K: number,
  regionStart: Uint8Array, // 1 where frame t starts a new speech region
  minFrames: number,
  switchPenalty: number,
): Int32Array {
  const Lm = Math.max(2, minFrames);
  const S = K * Lm;
  let prev = new Float64Array(S);
  let cur = new Float64Array(S);
  const bp1 = new Int32Array(T * K); // entry into (k,0): encoded previous state j*Lm+i
  const bpL = new Uint8Array(T * K); // last state: 1 = came from itself, 0 = from Lm-2
  const labels = new Int32Array(T);
  if (T === 0 || K === 0) return labels;
  for (let t = 0; t < T; t++) {
    if (t === 0 || regionStart[t]) {
      // best previous state overall and best per speaker
      let bAll = -Infinity, bAllS = 0;
      for (let s = 0; s < S; s++) if (t > 0 && prev[s]! > bAll) { bAll = prev[s]!; bAllS = s; }
      for (let k = 0; k < K; k++) {
        let own = -Infinity, ownS = k * Lm;
        if (t > 0) for (let i = 0; i < Lm; i++) if (prev[k * Lm + i]! > own) { own = prev[k * Lm + i]!; ownS = k * Lm + i; }
        let v: number, from: number;
        if (t === 0) { v = 0; from = -1; }
        else if (own >= bAll - switchPenalty) { v = own; from = ownS; }
        else { v = bAll - switchPenalty; from = bAllS; }
        const e = loglik[t * K + k]!;
        cur[k * Lm] = v + e;
        bp1[t * K + k] = from;
        for (let i = 1; i < Lm; i++) cur[k * Lm + i] = -Infinity;
      }
    } else {
      // best final state among all speakers (and second best) for switching
      let b1 = -Infinity, b1k = -1, b2 = -Infinity, b2k = -1;
      for (let k = 0; k < K; k++) {
        const v = prev[k * Lm + Lm - 1]!;
        if (v > b1) { b2 = b1; b2k = b1k; b1 = v; b1k = k; }
        else if (v > b2) { b2 = v; b2k = k; }
      }
      for (let k = 0; k < K; k++) {
        const e = loglik[t * K + k]!;
        const o = k * Lm;
        const jk = b1k === k ? b2k : b1k;
        const jv = b1k === k ? b2 : b1;
        cur[o] = jk >= 0 ? jv - switchPenalty + e : -Infinity;
        bp1[t * K + k] = jk >= 0 ? jk * Lm + Lm - 1 : -1;
        for (let i = 1; i < Lm - 1; i++) cur[o + i] = prev[o + i - 1]! + e;
        const stay = prev[o + Lm - 1]!, adv = prev[o + Lm - 2]!;
        if (stay >= adv) { cur[o + Lm - 1] = stay + e; bpL[t * K + k] = 1; }
        else { cur[o + Lm - 1] = adv + e; bpL[t * K + k] = 0; }
      }
    }
    const tmp = prev; prev = cur; cur = tmp;
  }
  let best = -Infinity, bs = 0;
  for (let s = 0; s < S; s++) if (prev[s]! > best) { best = prev[s]!; bs = s; }
  let k = Math.floor(bs / Lm), i = bs % Lm;
  for (let t = T - 1; t >= 0; t--) {
    labels[t] = k;
    if (t === 0) break;
    if (regionStart[t] || i === 0) {
      const from = bp1[t * K + k]!;
      if (from < 0) { i = 0; continue; }
      k = Math.floor(from / Lm);
      i = from % Lm;
    } else if (i < Lm - 1) {
      i = i - 1;
    } else {
      i = bpL[t * K + k] ? Lm - 1 : Lm - 2;
    }
  }
  return labels;
}
