// fastgrnn-wasm/storage in Node: the same calls as in a browser, with file
// paths for names (the IndexedDB side is tests/browser/storage.test.js).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fg, FLAVORS, useFlavor, expectError, bytesEqual } from './helpers.js';
import { saveModel, loadModel, listModels, deleteModel, downloadModel } from '../../js/storage.js';

const { FastGRNN } = fg;

describe('storage (Node: file paths)', () => {
  let dir;
  before(async () => {
    await useFlavor(FLAVORS[0]);
    dir = mkdtempSync(join(tmpdir(), 'fg-storage-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('saves, lists, loads and deletes by path', async () => {
    const model = new FastGRNN({ inputDim: 3, hiddenDim: 4, seed: 7 });
    const a = join(dir, 'a.safetensors');
    const b = join(dir, 'b.safetensors');
    const info = await saveModel(model, a);
    assert.equal(info.name, a);
    assert.equal(info.size, model.save().length);
    assert.ok(info.savedAt instanceof Date);
    await saveModel(model.save(), b);
    writeFileSync(join(dir, 'notes.txt'), 'not a model');
    assert.ok(bytesEqual(readFileSync(a), model.save()), 'the file holds model.save()');
    const loaded = await loadModel(a);
    assert.ok(bytesEqual(loaded.save(), model.save()));
    const list = await listModels(dir);
    assert.deepEqual(list.map((x) => x.name), [a, b]);
    assert.ok(list.every((x) => x.size === info.size && x.savedAt instanceof Date));
    await deleteModel(b);
    assert.deepEqual((await listModels(dir)).map((x) => x.name), [a]);
    loaded.dispose();
    model.dispose();
  });

  it('typed errors: not found, bad names and models, no download outside a page', async () => {
    const missing = join(dir, 'missing.safetensors');
    const notFound = (re) => (e) => expectError('IoError', re)(e) && e.reason === 'NotFound';
    await assert.rejects(loadModel(missing), notFound(/loadModel: no saved model at .*missing\.safetensors/));
    await assert.rejects(deleteModel(missing), notFound(/deleteModel: no saved model at/));
    await assert.rejects(listModels(join(dir, 'nope')), notFound(/listModels: no directory/));
    await assert.rejects(saveModel(new FastGRNN({ inputDim: 2 }), ''), expectError('InvalidInput', /saveModel: name must be a non-empty string, got ""/));
    await assert.rejects(saveModel({ weights: [] }, join(dir, 'x')), expectError('InvalidInput', /saveModel: model must be a FastGRNN or its saved bytes, got an object/));
    await assert.rejects(loadModel(42), expectError('InvalidInput', /loadModel: name must be a non-empty string, got 42/));
    await assert.rejects(saveModel(new FastGRNN({ inputDim: 2 }), join(dir, 'no-dir', 'x.safetensors')),
      (e) => expectError('IoError', /saveModel: cannot write .*no-dir/)(e) && e.reason === 'Failed');
    const garbage = join(dir, 'garbage.safetensors');
    writeFileSync(garbage, 'hello');
    await assert.rejects(loadModel(garbage), expectError('SerializationError'));
    const m = new FastGRNN({ inputDim: 2 });
    assert.throws(() => m.download('m.safetensors'),
      (e) => expectError('IoError', /downloads need a browser page/)(e) && e.reason === 'Unavailable');
    assert.throws(() => downloadModel(m, 'a/b'), expectError('InvalidInput', /filename must be a non-empty file name/));
    m.dispose();
  });
});
