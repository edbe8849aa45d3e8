/**
 * A config load's result cut into small messages, so that the event loop which receives it
 * (the worker's: VRRP adverts every advert_int) never stops for the whole of it. A 100,000-line
 * keepalived.conf becomes a model whose one structured-clone message took 140-150 ms of the
 * receiving loop on an idle host (and Node delivers every queued message of a port in one go,
 * so merely posting more messages does not help): the receiver takes one part per turn of its
 * loop instead (config-loader.ts). Pure: cutting and putting back together.
 *
 * Each array of the result's model (and its diagnostics) longer than `size` travels in slices of
 * `size`; what is left (every other field, those arrays emptied) travels last.
 */
import type { LoadResult } from '../config/load';

export type ResultPart =
  | { kind: 'slice'; field: string; items: unknown[] }
  | { kind: 'rest'; result: LoadResult };

/** Slices of this many items: ~15 ms of the receiver's loop each for the largest virtual servers here. */
export const PART_ITEMS = 100;

const DIAGNOSTICS = '#diagnostics';

export function cutResult(r: LoadResult, size = PART_ITEMS): ResultPart[] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`cutResult: size must be a positive integer, not ${size}`);
  const parts: ResultPart[] = [];
  const cut = (field: string, items: readonly unknown[]): unknown[] => {
    if (items.length <= size) return items as unknown[];
    for (let i = 0; i < items.length; i += size) parts.push({ kind: 'slice', field, items: items.slice(i, i + size) });
    return [];
  };
  let model = r.model;
  if (model !== null) {
    const rest: Record<string, unknown> = { ...model };
    for (const [k, v] of Object.entries(model)) if (Array.isArray(v)) rest[k] = cut(k, v);
    model = rest as unknown as LoadResult['model'];
  }
  parts.push({ kind: 'rest', result: { model, diagnostics: cut(DIAGNOSTICS, r.diagnostics) as LoadResult['diagnostics'] } });
  return parts;
}

/** Puts the parts back together, in the order cutResult made them (slices first, `rest` last). */
export class ResultAssembler {
  private readonly slices = new Map<string, unknown[]>();
  private done: LoadResult | null = null;

  /** Takes one part; true once the result is whole (the `rest` part came). */
  add(p: ResultPart): boolean {
    if (this.done !== null) throw new Error('config loader: a part arrived after the whole result');
    if (p.kind === 'slice') {
      const have = this.slices.get(p.field);
      if (have) for (const x of p.items) have.push(x);
      else this.slices.set(p.field, [...p.items]);
      return false;
    }
    const r = p.result;
    const model = r.model as unknown as Record<string, unknown> | null;
    for (const [field, items] of this.slices) {
      if (field === DIAGNOSTICS) continue;
      if (model === null || !Array.isArray(model[field])) throw new Error(`config loader: slices of '${field}', which the model has not as a list`);
      model[field] = items;
    }
    this.done = { model: r.model, diagnostics: (this.slices.get(DIAGNOSTICS) as LoadResult['diagnostics']) ?? r.diagnostics };
    return true;
  }

  get result(): LoadResult | null {
    return this.done;
  }
}
