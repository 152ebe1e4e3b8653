/**
 * Diarization error rate (NIST md-eval definition), computed on a 10 ms grid.
 *
 * For every scored frame with Nref reference speakers, Nhyp hypothesis speakers and Ncorr
 * hypothesis speakers mapped to a reference speaker that is present:
 *   missed = max(0, Nref − Nhyp), falseAlarm = max(0, Nhyp − Nref),
 *   confusion = min(Nref, Nhyp) − Ncorr,
 *   DER = (Σmissed + ΣfalseAlarm + Σconfusion) / ΣNref.
 * Overlapped speech counts once per speaker. The speaker mapping is the one-to-one mapping
 * that maximises the total co-occurring time (Hungarian algorithm). A collar of c seconds
 * removes ±c around every reference segment boundary from scoring (md-eval "-c").
 */

export interface Segment {
  speaker: string;
  start: number;
  end: number;
}

export interface DerResult {
  /** Seconds of reference speech scored (Σ Nref · frame). */
  total: number;
  missed: number;
  falseAlarm: number;
  confusion: number;
  /** (missed + falseAlarm + confusion) / total; 0 when total is 0 and there is no error. */
  der: number;
  /** hypothesis speaker → reference speaker. */
  mapping: Record<string, string>;
  /** Seconds scored (frames not removed by the collar). */
  scoredSeconds: number;
}

export const STEP = 0.01;

/** Hungarian algorithm (minimisation) on a rows×cols cost matrix; returns col index per row (-1 if none). */
export function hungarian(cost: number[][]): number[] {
  const n = cost.length;
  const m = n ? cost[0]!.length : 0;
  const N = Math.max(n, m);
  if (N === 0) return [];
  const a: number[][] = [];
  for (let i = 0; i < N; i++) {
    const row: number[] = [];
    for (let j = 0; j < N; j++) row.push(i < n && j < m ? cost[i]![j]! : 0);
    a.push(row);
  }
  const u = new Array<number>(N + 1).fill(0), v = new Array<number>(N + 1).fill(0);
  const p = new Array<number>(N + 1).fill(0), way = new Array<number>(N + 1).fill(0);
  for (let i = 1; i <= N; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Array<number>(N + 1).fill(Infinity);
    const used = new Array<boolean>(N + 1).fill(false);
    do {
      used[j0] = true;
      const i0 = p[j0]!;
      let delta = Infinity, j1 = 0;
      for (let j = 1; j <= N; j++) {
        if (used[j]) continue;
        const cur = a[i0 - 1]![j - 1]! - u[i0]! - v[j]!;
        if (cur < minv[j]!) { minv[j] = cur; way[j] = j0; }
        if (minv[j]! < delta) { delta = minv[j]!; j1 = j; }
      }
      for (let j = 0; j <= N; j++) {
        if (used[j]) { u[p[j]!] = u[p[j]!]! + delta; v[j] = v[j]! - delta; }
        else minv[j] = minv[j]! - delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0);
  }
  const res = new Array<number>(n).fill(-1);
  for (let j = 1; j <= N; j++) if (p[j]! - 1 < n && j - 1 < m) res[p[j]! - 1] = j - 1;
  return res;
}

function speakersOf(segs: Segment[]): string[] {
  const s: string[] = [];
  for (const x of segs) if (!s.includes(x.speaker)) s.push(x.speaker);
  return s;
}

/** Per-speaker activity on the grid: Uint8Array per speaker. */
export function rasterize(segs: Segment[], nFrames: number, speakers: string[]): Uint8Array[] {
  const act = speakers.map(() => new Uint8Array(nFrames));
  for (const s of segs) {
    const k = speakers.indexOf(s.speaker);
    if (k < 0) continue;
    const a = Math.max(0, Math.round(s.start / STEP));
    const b = Math.min(nFrames, Math.round(s.end / STEP));
    act[k]!.fill(1, a, b);
  }
  return act;
}

/** Frames kept for scoring: 1 = scored (outside every collar). */
export function collarMask(ref: Segment[], nFrames: number, collar: number): Uint8Array {
  const mask = new Uint8Array(nFrames).fill(1);
  if (collar <= 0) return mask;
  for (const s of ref) {
    for (const t of [s.start, s.end]) {
      const a = Math.max(0, Math.round((t - collar) / STEP));
      const b = Math.min(nFrames, Math.round((t + collar) / STEP));
      mask.fill(0, a, b);
    }
  }
  return mask;
}

export interface DerOptions {
  collar?: number;
  /** Length of the recording in seconds (defaults to the last segment end). */
  duration?: number;
  /** Use this mapping instead of the optimal one (hyp → ref). */
  mapping?: Record<string, string>;
}

export function computeDer(ref: Segment[], hyp: Segment[], opts: DerOptions = {}): DerResult {
  const collar = opts.collar ?? 0;
  const dur = opts.duration ?? Math.max(0, ...ref.map((s) => s.end), ...hyp.map((s) => s.end));
  const nF = Math.ceil(dur / STEP) + 1;
  const rs = speakersOf(ref), hs = speakersOf(hyp);
  const R = rasterize(ref, nF, rs), H = rasterize(hyp, nF, hs);
  const mask = collarMask(ref, nF, collar);
  // co-occurrence over scored frames
  const co = rs.map(() => hs.map(() => 0));
  for (let t = 0; t < nF; t++) {
    if (!mask[t]) continue;
    for (let i = 0; i < rs.length; i++) {
      if (!R[i]![t]) continue;
      for (let j = 0; j < hs.length; j++) if (H[j]![t]) co[i]![j]!++;
    }
  }
  let map: Record<string, string>;
  if (opts.mapping) map = opts.mapping;
  else {
    map = {};
    if (rs.length && hs.length) {
      const asg = hungarian(co.map((row) => row.map((c) => -c)));
      asg.forEach((j, i) => {
        if (j >= 0 && co[i]![j]! > 0) map[hs[j]!] = rs[i]!;
      });
    }
  }
  const hypToRef = hs.map((h) => (map[h] !== undefined ? rs.indexOf(map[h]!) : -1));
  let total = 0, missed = 0, fa = 0, conf = 0, scored = 0;
  for (let t = 0; t < nF; t++) {
    if (!mask[t]) continue;
    scored++;
    let nr = 0, nh = 0, nc = 0;
    for (let i = 0; i < rs.length; i++) nr += R[i]![t]!;
    for (let j = 0; j < hs.length; j++) {
      if (!H[j]![t]) continue;
      nh++;
      const i = hypToRef[j]!;
      if (i >= 0 && R[i]![t]) nc++;
    }
    total += nr;
    missed += Math.max(0, nr - nh);
    fa += Math.max(0, nh - nr);
    conf += Math.min(nr, nh) - nc;
  }
  const err = missed + fa + conf;
  return {
    total: total * STEP,
    missed: missed * STEP,
    falseAlarm: fa * STEP,
    confusion: conf * STEP,
    der: total > 0 ? err / total : err > 0 ? 1 : 0,
    mapping: map,
    scoredSeconds: scored * STEP,
  };
}

/** Pools several files' DER components (sums, then divides). */
export function pooled(rs: DerResult[]): { total: number; missed: number; falseAlarm: number; confusion: number; der: number } {
  const s = { total: 0, missed: 0, falseAlarm: 0, confusion: 0 };
  for (const r of rs) {
    s.total += r.total;
    s.missed += r.missed;
    s.falseAlarm += r.falseAlarm;
    s.confusion += r.confusion;
  }
  return { ...s, der: s.total > 0 ? (s.missed + s.falseAlarm + s.confusion) / s.total : 0 };
}

/** Talk seconds per speaker (union of the speaker's own segments). */
export function talkSeconds(segs: Segment[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const sp of speakersOf(segs)) {
    const iv = segs.filter((s) => s.speaker === sp).map((s) => [s.start, s.end] as [number, number]).sort((a, b) => a[0] - b[0]);
    let tot = 0, cs = -Infinity, ce = -Infinity;
    for (const [a, b] of iv) {
      if (a > ce) { if (ce > cs) tot += ce - cs; cs = a; ce = b; }
      else ce = Math.max(ce, b);
    }
    if (ce > cs) tot += ce - cs;
    out[sp] = tot;
  }
  return out;
}

/** Onsets of overlapped speech: times where a second speaker becomes active while another already is. */
export function overlapOnsets(segs: Segment[], minOverlap = 0.02): number[] {
  const out: number[] = [];
  const sorted = segs.slice().sort((a, b) => a.start - b.start);
  for (let i = 0; i < sorted.length; i++) {
    const s = sorted[i]!;
    for (let j = 0; j < sorted.length; j++) {
      const o = sorted[j]!;
      if (j === i || o.speaker === s.speaker) continue;
      if (o.start < s.start && Math.min(o.end, s.end) - s.start >= minOverlap) {
        out.push(s.start);
        break;
      }
    }
  }
  return out;
}

/** Precision / recall of event times with a tolerance (greedy one-to-one matching in time order). */
export function eventPR(ref: number[], hyp: number[], tol = 0.5): { precision: number; recall: number; matched: number; nRef: number; nHyp: number } {
  const r = ref.slice().sort((a, b) => a - b), h = hyp.slice().sort((a, b) => a - b);
  const used = new Uint8Array(r.length);
  let matched = 0;
  for (const x of h) {
    let best = -1, bd = Infinity;
    for (let i = 0; i < r.length; i++) {
      if (used[i]) continue;
      const d = Math.abs(r[i]! - x);
      if (d <= tol && d < bd) { bd = d; best = i; }
    }
    if (best >= 0) { used[best] = 1; matched++; }
  }
  return {
    precision: h.length ? matched / h.length : r.length ? 0 : 1,
    recall: r.length ? matched / r.length : 1,
    matched,
    nRef: r.length,
    nHyp: h.length,
  };
}
