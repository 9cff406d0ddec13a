import type { LearningCurve } from '../api/schemas';

/**
 * A concave power law acc(n) = α − β n^(−γ) fitted to (examples seen, accuracy) points by
 * weighted least squares. For a fixed γ the model is linear in (α, β), so each γ on a
 * fine grid gets its closed-form (α, β); the best γ wins. Bounds keep the curve sane:
 * β ≥ 0 (accuracy never falls with data), α ≤ 1, γ ∈ [0.05, 2]. Too few points, or
 * points that do not rise, get the flat fallback α = their mean (no predicted gain), said so.
 */
export interface Fit { curve: LearningCurve; rmse: number; points: number; fallback: string | null }

const GAMMAS = Array.from({ length: 196 }, (_, k) => 0.05 + k * 0.01);

export function fitLearningCurve(points: { n: number; acc: number; weight?: number }[]): Fit {
  const ps = points.filter((p) => p.n >= 1 && Number.isFinite(p.acc));
  const flat = (why: string): Fit => {
    const mean = ps.length ? ps.reduce((s, p) => s + p.acc, 0) / ps.length : 0.5;
    return { curve: { alpha: Math.min(1, mean), beta: 0, gamma: 0.5 }, rmse: rmse(ps, { alpha: mean, beta: 0, gamma: 0.5 }), points: ps.length, fallback: why };
  };
  if (ps.length < 3) return flat(`${ps.length} usable point(s); a curve needs 3`);
  let best: Fit | null = null;
  for (const gamma of GAMMAS) {
    // acc = α − β x with x = n^(−γ): weighted linear regression of acc on x
    let sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (const p of ps) {
      const w = p.weight ?? 1, x = p.n ** -gamma;
      sw += w; sx += w * x; sy += w * p.acc; sxx += w * x * x; sxy += w * x * p.acc;
    }
    const det = sw * sxx - sx * sx;
    if (Math.abs(det) < 1e-18) continue;
    let beta = -(sw * sxy - sx * sy) / det;
    let alpha = (sy + beta * sx) / sw;
    if (beta < 0) {
      beta = 0;
      alpha = sy / sw;
    }
    if (alpha > 1) {
      // refit β with α pinned at 1
      alpha = 1;
      beta = Math.max(0, (sx - sxy) / Math.max(sxx, 1e-18));
    }
    const curve = { alpha, beta, gamma };
    const e = rmse(ps, curve);
    if (!best || e < best.rmse) best = { curve, rmse: e, points: ps.length, fallback: null };
  }
  if (!best || best.curve.beta <= 0) return flat('accuracy did not rise with examples in the pilot');
  return best;
}

function rmse(ps: { n: number; acc: number }[], c: LearningCurve): number {
  if (!ps.length) return 0;
  return Math.sqrt(ps.reduce((s, p) => s + (c.alpha - c.beta * p.n ** -c.gamma - p.acc) ** 2, 0) / ps.length);
}

/**
 * The solver's curve policy reads x = examples per epoch; a study of E epochs sees E·x in
 * all: α − β (E x)^(−γ) = α − (β E^(−γ)) x^(−γ).
 */
export const perEpoch = (c: LearningCurve, epochs: number): LearningCurve => ({ ...c, beta: c.beta * epochs ** -c.gamma });
