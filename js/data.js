// data.js - the specification's synthetic routing data, and the small seeded
// generator it is drawn with. Plain JS (no wasm): for examples, demos,
// benchmarks and tests that need the same data everywhere.

/** mulberry32: a small seeded 32-bit generator; returns a function giving [0, 1). */
export function seededRandom(seed) {
  let a = Number(seed) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ROUTING_FEATURES = Object.freeze(
  ['similarity', 'recency', 'popularity', 'success_rate', 'complexity']);

/**
 * n samples of the specification's routing data: five features
 * (similarity, recency, popularity, success_rate, complexity) ~ U(0, 1), and
 * label 1 when 0.4 similarity + 0.3 success_rate + 0.3 (1 - complexity) +
 * U(-0.1, 0.1) > 0.6. The noise caps any classifier at about 0.90 accuracy.
 * @returns {{ features: Float32Array, labels: Float32Array, featureNames: string[] }}
 */
export function routingData(n, seed = 1) {
  if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`routingData: n must be a non-negative integer, got ${n}`);
  const r = seededRandom(seed);
  const features = new Float32Array(n * 5);
  const labels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 5; j++) features[i * 5 + j] = r();
    const [sim, , , success, complexity] = features.subarray(i * 5, i * 5 + 5);
    const score = 0.4 * sim + 0.3 * success + 0.3 * (1 - complexity) + (r() * 0.2 - 0.1);
    labels[i] = score > 0.6 ? 1 : 0;
  }
  return { features, labels, featureNames: ROUTING_FEATURES.slice() };
}
