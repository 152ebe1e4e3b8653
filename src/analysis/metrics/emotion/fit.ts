/**
 * Fitting for the emotion model (used by scripts/train-emotion.ts; deterministic: no random
 * numbers, fixed iteration counts).
 *  - `fitLogReg`: multinomial logistic regression, features standardised on the training rows,
 *    loss = mean cross-entropy + l2/2 · ‖W‖² (bias not penalised), minimised by Nesterov-
 *    accelerated gradient descent from zero weights.
 *  - `fitTemperature`: the temperature T minimising the negative log-likelihood of held-out
 *    logits (golden-section search on log T), i.e. temperature scaling (Guo et al. 2017).
 */
import { EMOTIONS, softmax, type LinearModel } from "./model.js";

export function standardiser(X: number[][]): { mean: number[]; scale: number[] } {
  const d = X[0]!.length;
  const mean: number[] = [];
  const scale: number[] = [];
  for (let j = 0; j < d; j++) {
    let s = 0, q = 0, n = 0;
    for (const r of X) if (Number.isFinite(r[j]!)) {
      s += r[j]!;
      q += r[j]! * r[j]!;
      n++;
    }
    const m = n > 0 ? s / n : 0;
    const sd = n > 1 ? Math.sqrt(Math.max(0, q / n - m * m)) : 1;
    mean.push(m);
    scale.push(sd > 1e-9 ? sd : 1);
  }
  return { mean, scale };
}

export function fitLogReg(features: string[], X: number[][], y: number[], l2: number, iterations = 1500): LinearModel {
  const n = X.length;
  const d = features.length;
  const C = EMOTIONS.length;
  const { mean, scale } = standardiser(X);
  const Z = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) {
    const v = X[i]![j]!;
    Z[i * d + j] = Number.isFinite(v) ? Math.max(-6, Math.min(6, (v - mean[j]!) / scale[j]!)) : 0;
  }
  const P = C * (d + 1); // parameters: per class d weights then the bias
  let w = new Float64Array(P);
  let prev = new Float64Array(P);
  const look = new Float64Array(P);
  const grad = new Float64Array(P);
  const logits = new Float64Array(C);
  const lr = 0.1;
  for (let it = 0; it < iterations; it++) {
    const mom = it / (it + 3);
    for (let k = 0; k < P; k++) look[k] = w[k]! + mom * (w[k]! - prev[k]!);
    grad.fill(0);
    for (let i = 0; i < n; i++) {
      let mx = -Infinity;
      for (let c = 0; c < C; c++) {
        let s = look[c * (d + 1) + d]!;
        const off = c * (d + 1);
        for (let j = 0; j < d; j++) s += look[off + j]! * Z[i * d + j]!;
        logits[c] = s;
        if (s > mx) mx = s;
      }
      let sum = 0;
      for (let c = 0; c < C; c++) {
        logits[c] = Math.exp(logits[c]! - mx);
        sum += logits[c]!;
      }
      for (let c = 0; c < C; c++) {
        const g = (logits[c]! / sum - (y[i] === c ? 1 : 0)) / n;
        const off = c * (d + 1);
        for (let j = 0; j < d; j++) grad[off + j]! += g * Z[i * d + j]!;
        grad[off + d]! += g;
      }
    }
    for (let c = 0; c < C; c++) for (let j = 0; j < d; j++) grad[c * (d + 1) + j]! += l2 * look[c * (d + 1) + j]!;
    const next = new Float64Array(P);
    for (let k = 0; k < P; k++) next[k] = look[k]! - lr * grad[k]!;
    prev = w;
    w = next;
  }
  const weights: number[][] = [];
  const bias: number[] = [];
  for (let c = 0; c < C; c++) {
    weights.push(Array.from(w.subarray(c * (d + 1), c * (d + 1) + d)));
    bias.push(w[c * (d + 1) + d]!);
  }
  return { features, mean, scale, weights, bias, temperature: 1, l2 };
}

/** Logits (before temperature) of a model on a row. */
export function logitsOf(m: LinearModel, x: number[]): number[] {
  const z = x.map((v, j) => (Number.isFinite(v) ? Math.max(-6, Math.min(6, (v - m.mean[j]!) / m.scale[j]!)) : 0));
  return m.weights.map((w, c) => w.reduce((s, wj, j) => s + wj * z[j]!, m.bias[c]!));
}

function nll(logits: number[][], y: number[], T: number): number {
  let s = 0;
  logits.forEach((l, i) => (s -= Math.log(Math.max(1e-12, softmax(l.map((v) => v / T))[y[i]!]!))));
  return s / logits.length;
}

export function fitTemperature(logits: number[][], y: number[]): number {
  let a = Math.log(0.25), b = Math.log(8);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 60; it++) {
    const c = b - g * (b - a);
    const d = a + g * (b - a);
    if (nll(logits, y, Math.exp(c)) < nll(logits, y, Math.exp(d))) b = d;
    else a = c;
  }
  return Math.exp((a + b) / 2);
}

/** Expected calibration error of top-label confidences (equal-width bins). */
export function expectedCalibrationError(confidence: number[], correct: boolean[], bins = 10): number {
  const n = confidence.length;
  if (n === 0) return 0;
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const idx = confidence.map((c, i) => (Math.min(bins - 1, Math.floor(c * bins)) === b ? i : -1)).filter((i) => i >= 0);
    if (!idx.length) continue;
    const conf = idx.reduce((s, i) => s + confidence[i]!, 0) / idx.length;
    const acc = idx.filter((i) => correct[i]).length / idx.length;
    ece += (idx.length / n) * Math.abs(conf - acc);
  }
  return ece;
}
