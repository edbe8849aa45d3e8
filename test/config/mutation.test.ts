/**
 * Random edits of the example configs: every one must give a model, or at least one located
 * error, and never an exception. Seeded, so a failure replays exactly. (How fast: the benchmark
 * test/bench/parse/mutations.js, beside keepalived -t on the same edits.)
 */
import { parseConfigText } from '../../src/config/load';
import { MUTATIONS, mutations } from './mutate';

describe('mutation: random edits of the examples', () => {
  it(`${MUTATIONS} edits each give a model or located errors, never an exception`, () => {
    let valid = 0;
    let invalid = 0;
    for (const { i, file, text } of mutations()) {
      let result;
      try {
        result = parseConfigText(text, file);
      } catch (err) {
        throw new Error(`mutation #${i} of ${file} threw ${(err as Error).stack}\n--- config ---\n${text}`);
      }
      for (const d of result.diagnostics) {
        const ok = typeof d.location.file === 'string' && d.location.line >= 1 && d.location.col >= 1 && d.message.length > 0;
        if (!ok) throw new Error(`mutation #${i}: unlocated diagnostic ${JSON.stringify(d)}\n--- config ---\n${text}`);
      }
      const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
      if (result.model === null && errors === 0) throw new Error(`mutation #${i}: no model and no error\n${text}`);
      if (result.model !== null && errors > 0) throw new Error(`mutation #${i}: a model despite errors\n${text}`);
      if (result.model) {
        JSON.stringify(result.model); // the model is plain JSON
        valid++;
      } else invalid++;
    }
    // Both outcomes must occur, or the edits are not exercising anything.
    expect(valid).toBeGreaterThan(100);
    expect(invalid).toBeGreaterThan(100);
  });
});
