/**
 * The acoustic emotion model: nearest-prototype classification in a speaker-normalised
 * prosodic feature space. NOT a trained model — no labelled emotional speech was used to fit it.
 *
 * Features of a segment (each a difference from the speaker's own baseline, divided by a scale):
 *   level   median pitch (semitones) − baseline                         / 2 st
 *   range   pitch range p90−p10 (semitones) − baseline                  / 2 st
 *   loud    mean active intensity (dB) − baseline                       / 3 dB
 *   alpha   alpha ratio (1–4 kHz vs 0.05–1 kHz energy, dB) − baseline   / 2 dB
 *   rate    articulation rate (syllable nuclei per second of phonation) − baseline / 0.8 syl/s
 *   period  mean periodicity (NCCF peak of active frames) − baseline   / 0.05
 *
 * Baseline: for each feature, the mean over the speaker's segments in the recording, shrunk
 * towards a population prior with the weight of `PRIOR_WEIGHT` = 2 segments:
 *     baseline = (Σ segment values + K · prior) / (n + K)
 * so a speaker heard in many segments is judged against their own habits, and a single short
 * segment against typical adult speech (pitch prior 115 Hz when the speaker's median pitch is
 * below 165 Hz, else 205 Hz; range 5 st; articulation rate 5 syl/s; periodicity 0.75).
 * Loudness and alpha ratio depend on recording gain and channel, so they have no prior: their
 * baseline is the speaker's own mean (a lone segment carries no loudness information).
 *
 * Prototypes: the direction of each emotion's deviation from a speaker's baseline, as summarised
 * in the vocal-affect literature (Banse & Scherer 1996, JPSP 70:614; Juslin & Laukka 2003,
 * Psych. Bull. 129:770, Table 7; Scherer 2003, Speech Comm. 40:227): anger, joy and fear raise
 * pitch, loudness, high-frequency energy and rate (anger most in loudness and spectral energy,
 * fear most in pitch level with a narrow range, joy with a wide range); surprise raises pitch
 * level and range most; sadness lowers all of them and is less periodic (breathy);
 * calm/tenderness is low and soft but regular; disgust is low-pitched and slow. Magnitudes are
 * in units of the scales above (≈ one typical deviation).
 *
 * Scoring: log-likelihood under a unit-variance Gaussian around each prototype (feature weights
 * below), softmax over the 8 classes → posterior. `emotion` is the most probable class,
 * `emotion_score` its posterior probability (0–1).
 */

export const EMOTIONS = ["neutral", "calm", "joy", "sadness", "anger", "fear", "disgust", "surprise"] as const;
export type Emotion = (typeof EMOTIONS)[number];

/** RAVDESS label → our label. */
export const RAVDESS_TO_EMOTION: Record<string, Emotion> = {
  neutral: "neutral",
  calm: "calm",
  happy: "joy",
  sad: "sadness",
  angry: "anger",
  fearful: "fear",
  disgust: "disgust",
  surprised: "surprise",
};

export const FEATURES = ["level", "range", "loud", "alpha", "rate", "period"] as const;
export type FeatureName = (typeof FEATURES)[number];

export const SCALES: Record<FeatureName, number> = { level: 2, range: 2, loud: 3, alpha: 2, rate: 0.8, period: 0.05 };
export const WEIGHTS: Record<FeatureName, number> = { level: 1, range: 0.7, loud: 1, alpha: 0.8, rate: 0.5, period: 0.5 };

//                                level range  loud alpha  rate period
export const PROTOTYPES: Record<Emotion, number[]> = {
  neutral: /*                */ [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
  calm: /*                   */ [-0.6, -0.6, -0.8, -0.6, -0.4, 0.4],
  joy: /*                    */ [1.0, 1.0, 0.7, 0.5, 0.3, 0.0],
  sadness: /*                */ [-0.4, -0.8, -1.0, -0.8, -0.6, -0.6],
  anger: /*                  */ [1.0, 0.8, 1.5, 1.3, 0.3, -0.3],
  fear: /*                   */ [1.6, -0.2, 0.5, 0.6, 0.5, -0.5],
  disgust: /*                */ [-0.4, 0.3, 0.0, 0.0, -0.8, -0.3],
  surprise: /*               */ [1.3, 1.6, 0.5, 0.3, -0.2, 0.0],
};

/** Population priors (absolute values) used to shrink a speaker's baseline. */
export const PRIORS = {
  f0MaleHz: 115,
  f0FemaleHz: 205,
  registerSplitHz: 165,
  range: 5,
  loud: -26,
  alpha: -12,
  rate: 5,
  period: 0.75,
};
export const PRIOR_WEIGHT = 2;
/** Features whose absolute value depends on recording gain or channel: baseline = own mean, no prior. */
export const CHANNEL_DEPENDENT = new Set<FeatureName>(["loud", "alpha"]);

/** Raw (absolute) per-segment features; NaN when unmeasurable. */
export interface RawFeatures {
  level: number; // semitones re 1 Hz
  range: number; // semitones
  loud: number; // dB
  alpha: number; // dB
  rate: number; // syllables per second of phonation
  period: number; // 0..1
}

export type Posterior = Record<Emotion, number>;

function st(hz: number) {
  return 12 * Math.log2(hz);
}

/** Baseline for one speaker from its segments' raw features (shrunk towards the priors). */
export function speakerBaseline(segments: RawFeatures[]): RawFeatures {
  const mean = (k: FeatureName) => {
    let s = 0;
    let n = 0;
    for (const f of segments) if (Number.isFinite(f[k])) {
      s += f[k];
      n++;
    }
    return { s, n };
  };
  const lv = mean("level");
  const medianHz = lv.n > 0 ? 2 ** (lv.s / lv.n / 12) : PRIORS.f0MaleHz;
  const priors: RawFeatures = {
    level: st(medianHz < PRIORS.registerSplitHz ? PRIORS.f0MaleHz : PRIORS.f0FemaleHz),
    range: PRIORS.range,
    loud: PRIORS.loud,
    alpha: PRIORS.alpha,
    rate: PRIORS.rate,
    period: PRIORS.period,
  };
  const out = {} as RawFeatures;
  for (const k of FEATURES) {
    const { s, n } = mean(k);
    // Gain- and channel-dependent features have no meaningful absolute norm: own mean only.
    out[k] = CHANNEL_DEPENDENT.has(k) ? (n > 0 ? s / n : priors[k]) : (s + PRIOR_WEIGHT * priors[k]) / (n + PRIOR_WEIGHT);
  }
  return out;
}

/** Normalised feature vector (order = FEATURES); unmeasurable features are 0 (= baseline). */
export function normalise(raw: RawFeatures, base: RawFeatures): number[] {
  return FEATURES.map((k) => (Number.isFinite(raw[k]) ? (raw[k] - base[k]) / SCALES[k] : 0));
}

/** Posterior over the 8 emotions for a normalised vector. */
export function classify(z: number[]): Posterior {
  const logp = EMOTIONS.map((e) => {
    const mu = PROTOTYPES[e];
    let d = 0;
    FEATURES.forEach((k, i) => {
      const diff = Math.max(-4, Math.min(4, z[i]!)) - mu[i]!;
      d += WEIGHTS[k] * diff * diff;
    });
    return -0.5 * d;
  });
  const m = Math.max(...logp);
  const ex = logp.map((l) => Math.exp(l - m));
  const sum = ex.reduce((a, b) => a + b, 0);
  const post = {} as Posterior;
  EMOTIONS.forEach((e, i) => (post[e] = ex[i]! / sum));
  return post;
}

/**
 * Text adjustment: with VADER compound c outside the neutral band (|c| ≥ 0.3), multiply
 * positive classes (joy ×(1+2c), surprise ×(1+c), calm ×(1+0.5c)) or negative classes
 * (sadness, anger, fear, disgust ×(1+2|c|)) and neutral ×(1−0.5|c|), then renormalise.
 */
export function applyTextValence(post: Posterior, c: number, band = 0.3): Posterior {
  if (!Number.isFinite(c) || Math.abs(c) < band) return post;
  const out = { ...post };
  const a = Math.abs(c);
  if (c > 0) {
    out.joy *= 1 + 2 * a;
    out.surprise *= 1 + a;
    out.calm *= 1 + 0.5 * a;
  } else {
    out.sadness *= 1 + 2 * a;
    out.anger *= 1 + 2 * a;
    out.fear *= 1 + 2 * a;
    out.disgust *= 1 + 2 * a;
  }
  out.neutral *= 1 - 0.5 * a;
  const sum = EMOTIONS.reduce((s, e) => s + out[e], 0);
  for (const e of EMOTIONS) out[e] /= sum;
  return out;
}

/** Valence in −1..1 implied by a posterior (used by tone when there is no text). */
export function posteriorValence(p: Posterior): number {
  return p.joy + 0.5 * p.surprise + 0.3 * p.calm - p.sadness - p.anger - 0.7 * p.fear - p.disgust;
}

export function argmax(p: Posterior): { emotion: Emotion; score: number } {
  let best: Emotion = "neutral";
  for (const e of EMOTIONS) if (p[e] > p[best]) best = e;
  return { emotion: best, score: p[best] };
}
