// The package's routing data generator (js/data.js), as exported.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { routingData, seededRandom, ROUTING_FEATURES } from '../../js/index.js';

it('routingData: seeded, shaped, labelled by the specification\'s rule', () => {
  const a = routingData(2000, 3), b = routingData(2000, 3), c = routingData(2000, 4);
  assert.deepEqual(a.features, b.features);
  assert.deepEqual(a.labels, b.labels);
  assert.notDeepEqual(a.features, c.features);
  assert.equal(a.features.length, 10000);
  assert.deepEqual(a.featureNames, [...ROUTING_FEATURES]);
  let agree = 0, positives = 0;
  for (let i = 0; i < 2000; i++) {
    const f = a.features.subarray(i * 5, i * 5 + 5);
    assert.ok(f.every((v) => v >= 0 && v < 1));
    const clean = 0.4 * f[0] + 0.3 * f[3] + 0.3 * (1 - f[4]) > 0.6 ? 1 : 0;
    agree += clean === a.labels[i];
    positives += a.labels[i];
  }
  // the noise U(-0.1, 0.1) flips only labels near the boundary
  assert.ok(agree / 2000 > 0.85 && agree / 2000 < 0.97, `agreement with the noiseless rule ${agree / 2000}`);
  assert.ok(positives > 200 && positives < 1800, `${positives} positives`);
  assert.throws(() => routingData(-1), RangeError);
});

it('seededRandom: the same stream for the same seed, in [0, 1)', () => {
  const r1 = seededRandom(42), r2 = seededRandom(42), r3 = seededRandom(43);
  const s1 = Array.from({ length: 100 }, r1), s2 = Array.from({ length: 100 }, r2);
  assert.deepEqual(s1, s2);
  assert.notDeepEqual(s1, Array.from({ length: 100 }, r3));
  assert.ok(s1.every((v) => v >= 0 && v < 1));
});
